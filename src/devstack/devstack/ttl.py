"""DynamoDB Time to Live on moto: the template's setting applied, expired items deleted.

moto's CloudFormation ignores ``TimeToLiveSpecification`` and moto never deletes expired
items. Here, as DynamoDB documents (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html):
an item whose TTL attribute is a Number of epoch seconds in the past (but not more than five
years in the past) is deleted; the deletion appears in the stream as a REMOVE whose
``userIdentity`` is ``{"type": "Service", "principalId": "dynamodb.amazonaws.com"}``
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html).
DynamoDB takes up to a few days; this sweeper takes ``interval`` seconds, so the TTL path
runs while you watch. moto writes the stream record without ``userIdentity``: the sweeper
remembers what it deleted and :class:`TtlAttributingStreams` marks those REMOVEs.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lambda_dataplane.periodic import Every
from lambda_dataplane.stack import ClientFactory, created_resources

log = logging.getLogger(__name__)
SERVICE_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
FIVE_YEARS = 5 * 365 * 24 * 3600


def apply_template_ttl(template: Path, *, stack_name: str, client: ClientFactory) -> dict[str, str]:
    """UpdateTimeToLive for each table the template enables TTL on; {table: attribute}."""
    enabled = {}
    dynamodb = client("dynamodb")
    tables = created_resources(
        template, stack_name=stack_name, client=client, resource_type="AWS::DynamoDB::Table"
    )
    for _logical, table, props in tables:
        spec = props.get("TimeToLiveSpecification") or {}
        on = spec.get("Enabled")
        if str(on).lower() != "true" or not spec.get("AttributeName"):
            continue
        attribute = str(spec["AttributeName"])
        dynamodb.update_time_to_live(
            TableName=table,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
        )
        enabled[table] = attribute
    return enabled


def _canonical(image: Mapping[str, Any]) -> str:
    return json.dumps(image, sort_keys=True, default=str)


class ServiceDeletions:
    """What the sweeper deleted, by old image, so its stream REMOVE can be attributed."""

    def __init__(self, limit: int = 100_000) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._limit = limit

    def add(self, old_image: Mapping[str, Any]) -> None:
        with self._lock:
            self._seen[_canonical(old_image)] = None
            while len(self._seen) > self._limit:
                self._seen.popitem(last=False)

    def claims(self, old_image: Mapping[str, Any]) -> bool:
        with self._lock:
            return _canonical(old_image) in self._seen


class TtlAttributingStreams:
    """A dynamodbstreams client whose GetRecords marks TTL deletions as DynamoDB's own."""

    def __init__(self, client: Any, deletions: ServiceDeletions) -> None:
        self._client, self._deletions = client, deletions

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def get_records(self, **kwargs: Any) -> Any:
        page = self._client.get_records(**kwargs)
        for record in page.get("Records", []):
            old = record.get("dynamodb", {}).get("OldImage")
            if record.get("eventName") == "REMOVE" and old and self._deletions.claims(old):
                record["userIdentity"] = dict(SERVICE_IDENTITY)
        return page


class TtlSweeper:
    """Deletes expired items of the given tables every ``interval`` seconds, in a thread."""

    def __init__(
        self,
        dynamodb: Any,
        tables: Mapping[str, str],
        *,
        deletions: ServiceDeletions,
        interval: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._dynamodb, self.tables, self.deletions = dynamodb, dict(tables), deletions
        self.interval, self._clock = interval, clock
        self._every = Every(interval, self._sweep_logged, name="ttl-sweeper", join_timeout=10)
        self.deleted = 0

    def start(self) -> None:
        self._every.start()

    def stop(self) -> None:
        self._every.stop()

    def _sweep_logged(self) -> None:
        try:
            self.sweep()
        except (BotoCoreError, ClientError) as err:
            log.warning("TTL sweep failed: %s", err)

    def sweep(self) -> int:
        """One pass over every table; the number of items deleted."""
        now = int(self._clock())
        count = 0
        for table, attribute in self.tables.items():
            count += self._sweep_table(table, attribute, now)
        self.deleted += count
        return count

    def _sweep_table(self, table: str, attribute: str, now: int) -> int:
        names = {"#ttl": attribute}
        # Only Numbers count; a String or a date in another form is never expired by TTL.
        values = {":now": {"N": str(now)}, ":oldest": {"N": str(now - FIVE_YEARS)}}
        keys = [k["AttributeName"] for k in self._key_schema(table)]
        count = 0
        args: dict[str, Any] = {
            "TableName": table,
            "FilterExpression": "#ttl < :now AND #ttl >= :oldest",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        while True:
            page = self._dynamodb.scan(**args)
            for item in page.get("Items", []):
                # Remembered before the delete: the stream may show the REMOVE before it returns.
                self.deletions.add(item)
                if self._delete(table, {k: item[k] for k in keys}, attribute, item[attribute]):
                    count += 1
            if "LastEvaluatedKey" not in page:
                return count
            args["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _key_schema(self, table: str) -> list[dict[str, str]]:
        return list(self._dynamodb.describe_table(TableName=table)["Table"]["KeySchema"])

    def _delete(self, table: str, key: dict[str, Any], attribute: str, expiry: Any) -> bool:
        try:
            # Only if the item still has the expiry seen: a rewrite since the scan keeps it.
            answer = self._dynamodb.delete_item(
                TableName=table,
                Key=key,
                ConditionExpression="#ttl = :seen",
                ExpressionAttributeNames={"#ttl": attribute},
                ExpressionAttributeValues={":seen": expiry},
                ReturnValues="ALL_OLD",
            )
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return bool(answer.get("Attributes"))
