"""The dashboard's own Queries, each one key range of one device (never a Scan).

Charts read readings projected to what a chart needs (:func:`reading_sample_projection`),
a third of each item's size, so a day of readings is fewer pages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from thermostat.items import (
    ALERT_PREFIX,
    AlertItem,
    Sample,
    SettingsItem,
    StatusItem,
    from_wire,
    key_range_query,
    prefix_query,
    reading_sample_projection,
    reading_sk,
)
from thermostat_cli.dynamo import query_items
from thermostat_cli.queries import Table, typed


def samples(table: Table, device_id: str, first: datetime, last: datetime) -> list[Sample]:
    """The device's readings taken from ``first`` to ``last`` (both included), oldest first."""
    where = key_range_query(device_id, reading_sk(first), reading_sk(last))
    projection = reading_sample_projection()
    params: dict[str, Any] = {
        **where,
        "ProjectionExpression": projection["ProjectionExpression"],
        "ExpressionAttributeNames": {
            **where["ExpressionAttributeNames"],
            **projection["ExpressionAttributeNames"],
        },
    }
    items = query_items(table.client, None, TableName=table.name, **params)
    return list(typed(Sample.from_item, items))


def newest_alerts(table: Table, device_id: str, limit: int) -> list[AlertItem]:
    """The device's ``limit`` newest alerts, newest first (one Query page)."""
    page = table.client.query(
        TableName=table.name,
        ScanIndexForward=False,
        Limit=limit,
        **prefix_query(device_id, ALERT_PREFIX),
    )
    items = [from_wire(item) for item in page.get("Items", [])]
    return list(typed(AlertItem.from_item, iter(items)))


def statuses_and_settings(
    table: Table,
) -> tuple[list[StatusItem], dict[str, SettingsItem | None]]:
    """Every device's status (the status index) and its desired settings (one GetItem each,
    as ``thermostat status`` reads them)."""
    statuses = list(table.statuses())
    return statuses, {s.device_id: table.settings(s.device_id) for s in statuses}
