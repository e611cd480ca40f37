"""DynamoDB access of the stream function: per-hour/day queries, rollup and status writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from thermostat.items import (
    HOUR_PREFIX,
    READING_PREFIX,
    ItemError,
    RollupItem,
    RollupKind,
    Sample,
    StatusItem,
    from_wire,
    key,
    prefix_query,
    reading_sample_projection,
    rollup_sk,
    to_wire,
)

if TYPE_CHECKING:
    from datetime import datetime

    from mypy_boto3_dynamodb import DynamoDBClient


class RollupTable:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self.calls = 0  # DynamoDB requests made, for benchmarks and tests

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
        """The readings of one UTC hour; a malformed one is skipped (it cannot block its hour)."""
        samples = []
        for item in self._query(device_id, READING_PREFIX + hour, **reading_sample_projection()):
            try:
                samples.append(Sample.from_item(item))
            except ItemError:
                continue
        return samples

    def day_hours(self, device_id: str, day: str) -> list[RollupItem]:
        return [RollupItem.from_item(item) for item in self._query(device_id, HOUR_PREFIX + day)]

    def put_rollup(self, rollup: RollupItem) -> None:
        self.calls += 1
        self._client.put_item(TableName=self._table, Item=to_wire(rollup.to_item()))

    def delete_rollup(self, device_id: str, kind: RollupKind, period: str) -> None:
        """Every reading of the period was deleted: so is its rollup."""
        self.calls += 1
        self._client.delete_item(
            TableName=self._table, Key=to_wire(key(device_id, rollup_sk(kind, period)))
        )

    def get_status(self, device_id: str) -> StatusItem | None:
        self.calls += 1
        response = self._client.get_item(
            TableName=self._table, Key=to_wire(StatusItem.key_of(device_id)), ConsistentRead=True
        )
        item = response.get("Item")
        return StatusItem.from_item(from_wire(item)) if item else None

    def put_status(self, status: StatusItem, *, previous_seen: datetime | None) -> None:
        """Write the status item unless another writer changed it since we read it."""
        self.calls += 1
        self._client.put_item(
            TableName=self._table,
            Item=to_wire(status.to_item()),
            **StatusItem.seen_condition(previous_seen),
        )
