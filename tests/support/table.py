"""Read what the functions wrote, as plain python values."""

from __future__ import annotations

from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer

_deserializer = TypeDeserializer()


def plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


def all_items(table_name: str) -> list[dict[str, Any]]:
    client = boto3.client("dynamodb")
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table_name}
    while True:
        page = client.scan(**kwargs)
        items.extend(plain(item) for item in page["Items"])
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda i: (i["pk"], i["sk"]))
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def items_of_type(table_name: str, item_type: str) -> list[dict[str, Any]]:
    return [item for item in all_items(table_name) if item.get("item_type") == item_type]


def get(table_name: str, pk: str, sk: str) -> dict[str, Any] | None:
    response = boto3.client("dynamodb").get_item(
        TableName=table_name, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
    )
    return plain(response["Item"]) if "Item" in response else None


def rollup(table_name: str, device: str, kind: str, period: str) -> Any:
    """A rollup as readers see it: the closed item, with the status's open hour added in."""
    from thermostat.items import RollupItem, StatusItem, rollup_sk, rollups_with_open_hour

    closed_item = get(table_name, f"DEVICE#{device}", rollup_sk(kind, period))  # type: ignore[arg-type]
    closed = [RollupItem.from_item(closed_item)] if closed_item else []
    status_item = get(table_name, f"DEVICE#{device}", "STATUS")
    status = StatusItem.from_item(status_item) if status_item else None
    view = rollups_with_open_hour(closed, status, kind, period, period)  # type: ignore[arg-type]
    return view[0] if view else None


def counts_by_hour(items: list[dict[str, Any]]) -> dict[str, int]:
    """Readings counted per hour in one device's items (plain values): the closed hours and
    the open hour kept on its status item."""
    from thermostat.items import RollupItem, StatusItem

    counts: dict[str, int] = {}
    for item in items:
        if item.get("item_type") == "hourly":
            hour = RollupItem.from_item(item)
            counts[hour.period] = hour.stats.reading_count
    for item in items:
        if item.get("item_type") == "status":
            open_hour = StatusItem.from_item(item).open_hour
            if open_hour is not None:
                counts.setdefault(open_hour.period, open_hour.stats.reading_count)
    return counts
