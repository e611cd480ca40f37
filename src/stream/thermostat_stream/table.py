"""DynamoDB access of the stream function: the status item, hourly and daily rollups, alerts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from thermostat.contract import format_timestamp
from thermostat.errors import ThermostatError
from thermostat.items import (
    APPLIED_SEQUENCE,
    CLAIMED_UNTIL,
    HOUR_PREFIX,
    PK,
    PUBLISHED_AT,
    READING_PREFIX,
    AlertItem,
    ItemError,
    RollupItem,
    RollupKind,
    Sample,
    StatusItem,
    from_wire,
    hour_sk,
    key,
    prefix_query,
    reading_sample_projection,
    rollup_sk,
    status_index_query,
    to_wire,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class WriteConflict(ThermostatError, RuntimeError):
    """Another writer changed an item between our read and our write: read again."""


def _conflict(err: Exception) -> bool:
    response = getattr(err, "response", None) or {}
    return bool(response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


class RollupTable:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self.calls = 0  # DynamoDB requests made, for benchmarks and tests

    # --- reads ----------------------------------------------------------------------------

    def _query(self, device_id: str, prefix: str, **extra: Any) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            # Rollups must see the writes that triggered them.
            "ConsistentRead": True,
            **prefix_query(device_id, prefix),
        }
        for name, value in extra.items():
            if name == "ExpressionAttributeNames":
                kwargs[name] = {**kwargs[name], **value}
            else:
                kwargs[name] = value
        while True:
            self.calls += 1
            page = self._client.query(**kwargs)
            for item in page.get("Items", []):
                yield from_wire(item)
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def hour_samples(self, device_id: str, hour: str) -> list[Sample]:
        """The readings of one UTC hour; a malformed one is skipped (it cannot block its hour).

        Only for recomputing an hour after a reading was changed or deleted by hand: the
        normal path folds new readings in and never reads the hour back.
        """
        samples = []
        for item in self._query(device_id, READING_PREFIX + hour, **reading_sample_projection()):
            try:
                samples.append(Sample.from_item(item))
            except ItemError:
                continue
        return samples

    def day_hours(self, device_id: str, day: str) -> list[RollupItem]:
        """The closed hours of one UTC day (at most 24 small items)."""
        return [RollupItem.from_item(item) for item in self._query(device_id, HOUR_PREFIX + day)]

    def statuses(self) -> Iterator[StatusItem]:
        """Every device's status item: one Query on the sparse status index (paged)."""
        kwargs: dict[str, Any] = {"TableName": self._table, **status_index_query()}
        while True:
            self.calls += 1
            page = self._client.query(**kwargs)
            for item in page.get("Items", []):
                try:
                    yield StatusItem.from_item(from_wire(item))
                except ItemError:
                    continue  # a broken status item must not stop the others' checks
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def get_hour(self, device_id: str, hour: str) -> RollupItem | None:
        self.calls += 1
        response = self._client.get_item(
            TableName=self._table,
            Key=to_wire(key(device_id, hour_sk(hour))),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return RollupItem.from_item(from_wire(item)) if item else None

    def get_status(self, device_id: str, *, consistent: bool = False) -> StatusItem | None:
        # Eventually consistent is half the price and almost always current (the last write
        # was a batch window ago); the versioned write catches a stale read, and the retry
        # reads consistently.
        self.calls += 1
        response = self._client.get_item(
            TableName=self._table,
            Key=to_wire(StatusItem.key_of(device_id)),
            ConsistentRead=consistent,
        )
        item = response.get("Item")
        return StatusItem.from_item(from_wire(item)) if item else None

    # --- writes ---------------------------------------------------------------------------

    def put_rollup(
        self, rollup: RollupItem, *, conditional: bool = False, previous: RollupItem | None = None
    ) -> None:
        """Write a rollup; ``conditional``: only if the table still holds ``previous`` (None:
        nothing), else :class:`WriteConflict`."""
        condition: dict[str, Any] = {}
        if conditional and previous is None:
            condition = {
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": PK},
            }
        elif conditional and previous is not None and previous.applied_sequence is None:
            condition = {
                "ConditionExpression": "attribute_exists(#pk) AND attribute_not_exists(#a)",
                "ExpressionAttributeNames": {"#pk": PK, "#a": APPLIED_SEQUENCE},
            }
        elif conditional and previous is not None:
            condition = {
                "ConditionExpression": "#a = :a",
                "ExpressionAttributeNames": {"#a": APPLIED_SEQUENCE},
                "ExpressionAttributeValues": {":a": {"S": previous.applied_sequence}},
            }
        self._put(to_wire(rollup.to_item()), condition)

    def delete_rollup(self, device_id: str, kind: RollupKind, period: str) -> None:
        """Every reading of the period was deleted: so is its rollup."""
        self.calls += 1
        self._client.delete_item(
            TableName=self._table, Key=to_wire(key(device_id, rollup_sk(kind, period)))
        )

    def put_status(self, status: StatusItem, *, previous: StatusItem | None) -> None:
        """Write the status unless another writer changed it since ``previous`` was read."""
        self._put(to_wire(status.to_item()), status.version_condition(previous))

    def put_alert(self, alert: AlertItem) -> None:
        self._put(
            to_wire(alert.to_item()),
            {
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": PK},
            },
            conflict_ok=True,  # recorded by an earlier attempt: the same alert
        )

    def claim_alert(self, alert: AlertItem, *, now: datetime, until: datetime) -> bool:
        """Claim an unpublished alert for publishing; False if published or claimed by
        another run whose claim has not lapsed (so concurrent runs publish it once)."""
        from botocore.exceptions import ClientError

        self.calls += 1
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_wire(alert.key()),
                UpdateExpression="SET #c = :until",
                ConditionExpression=(
                    "attribute_exists(#pk) AND attribute_not_exists(#p)"
                    " AND (attribute_not_exists(#c) OR #c < :now)"
                ),
                ExpressionAttributeNames={"#pk": PK, "#p": PUBLISHED_AT, "#c": CLAIMED_UNTIL},
                ExpressionAttributeValues={
                    ":until": {"S": format_timestamp(until)},
                    ":now": {"S": format_timestamp(now)},
                },
            )
        except ClientError as err:
            if _conflict(err):
                return False
            raise
        return True

    def release_claim(self, alert: AlertItem) -> None:
        self.calls += 1
        self._client.update_item(
            TableName=self._table,
            Key=to_wire(alert.key()),
            UpdateExpression="REMOVE #c",
            ExpressionAttributeNames={"#c": CLAIMED_UNTIL},
        )

    def mark_published(self, alert: AlertItem, at: datetime) -> None:
        self.calls += 1
        self._client.update_item(
            TableName=self._table,
            Key=to_wire(alert.key()),
            UpdateExpression="SET #p = :p REMOVE #c",
            ExpressionAttributeNames={"#p": PUBLISHED_AT, "#c": CLAIMED_UNTIL},
            ExpressionAttributeValues={":p": {"S": format_timestamp(at)}},
        )

    def get_alert(self, device_id: str, sk: str) -> AlertItem | None:
        self.calls += 1
        response = self._client.get_item(
            TableName=self._table, Key=to_wire(key(device_id, sk)), ConsistentRead=True
        )
        item = response.get("Item")
        return AlertItem.from_item(from_wire(item)) if item else None

    def _put(self, item: Any, condition: dict[str, Any], *, conflict_ok: bool = False) -> None:
        from botocore.exceptions import ClientError

        self.calls += 1
        try:
            self._client.put_item(TableName=self._table, Item=item, **condition)
        except ClientError as err:
            if not _conflict(err):
                raise
            if not conflict_ok:
                raise WriteConflict(f"{item[PK]['S']} {item['sk']['S']} changed meanwhile") from err
