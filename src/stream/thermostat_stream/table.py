"""DynamoDB access of the stream function: per-hour/day queries, rollup and status writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from thermostat.items import (
    ITEM_TYPE_DAILY,
    ITEM_TYPE_HOURLY,
    ITEM_TYPE_STATUS,
    READING_PREFIX,
    STATUS_INDEX_KEY,
    STATUS_SK,
    day_sk,
    device_pk,
    hour_sk,
)
from thermostat_stream.rollups import RollupStats, Sample, sample_from_item, stats_from_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class RollupTable:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

        self._client = client
        self._table = table_name
        self._to_wire = TypeSerializer().serialize
        self._from_wire = TypeDeserializer().deserialize
        self.calls = 0  # DynamoDB requests made, for benchmarks and tests

    def _item(self, item: dict[str, Any]) -> dict[str, Any]:
        return {name: self._to_wire(value) for name, value in item.items()}

    def _plain(self, item: dict[str, Any]) -> dict[str, Any]:
        return {name: self._from_wire(value) for name, value in item.items()}

    def _query_prefix(
        self, device_id: str, prefix: str, projection: str | None
    ) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {
                ":pk": {"S": device_pk(device_id)},
                ":prefix": {"S": prefix},
            },
            # Rollups must see the writes that triggered them.
            "ConsistentRead": True,
        }
        if projection:
            kwargs["ProjectionExpression"] = projection
        while True:
            self.calls += 1
            page = self._client.query(**kwargs)
            for item in page.get("Items", []):
                yield self._plain(item)
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def hour_samples(self, device_id: str, hour: str) -> list[Sample]:
        items = self._query_prefix(
            device_id, f"{READING_PREFIX}{hour}", "recorded_at, temperature_c, setpoint_c, heating"
        )
        return [sample for sample in map(sample_from_item, items) if sample is not None]

    def day_hours(self, device_id: str, day: str) -> list[RollupStats]:
        return [stats_from_item(item) for item in self._query_prefix(device_id, hour_sk(day), None)]

    def write_rollup(
        self, device_id: str, kind: str, period: str, period_start: str, stats: RollupStats | None
    ) -> None:
        sk = hour_sk(period) if kind == ITEM_TYPE_HOURLY else day_sk(period)
        key = {"pk": device_pk(device_id), "sk": sk}
        self.calls += 1
        if stats is None:  # every reading of the period was deleted
            self._client.delete_item(TableName=self._table, Key=self._item(key))
            return
        assert kind in (ITEM_TYPE_HOURLY, ITEM_TYPE_DAILY)
        item = {
            **key,
            "item_type": kind,
            "device_id": device_id,
            "period": period,
            "period_start": period_start,
            **stats.attributes(),
        }
        self._client.put_item(TableName=self._table, Item=self._item(item))

    def get_status(self, device_id: str) -> dict[str, Any] | None:
        self.calls += 1
        response = self._client.get_item(
            TableName=self._table,
            Key=self._item({"pk": device_pk(device_id), "sk": STATUS_SK}),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return self._plain(item) if item else None

    def put_status(self, status: dict[str, Any], *, previous_seen: str | None) -> None:
        """Write the status item unless another writer changed it since we read it."""
        item = {
            "pk": device_pk(status["device_id"]),
            "sk": STATUS_SK,
            "item_type": ITEM_TYPE_STATUS,
            STATUS_INDEX_KEY: STATUS_SK,
            **status,
        }
        condition: dict[str, Any]
        if previous_seen is None:
            condition = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {
                "ConditionExpression": "last_seen_at = :seen",
                "ExpressionAttributeValues": {":seen": {"S": previous_seen}},
            }
        self.calls += 1
        self._client.put_item(TableName=self._table, Item=self._item(item), **condition)
