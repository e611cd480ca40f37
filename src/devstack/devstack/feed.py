"""Human-readable lines for what happens in the table: readings, rollups and alerts.

It reads the table's stream itself (from LATEST) through the data plane's own stream
mapping, with this printer standing in as the "function": a second reader of a DynamoDB
stream sees every change, so no handler log format is depended on.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from lambda_dataplane.config import InvocationResult
from thermostat.items import (
    AlertItem,
    Item,
    ItemError,
    ReadingItem,
    RollupItem,
    StatusItem,
    from_wire,
    parse_item,
)

Image = Mapping[str, Any]


def _typed(image: Image) -> Item | None:
    try:
        return parse_item(image) if image else None
    except ItemError:
        return None  # not ours to judge: the stream function reports broken items


def _rollup_line(item: RollupItem, label: str) -> str:
    s = item.stats
    return (
        f"rollup   {item.device_id}  {label} {item.period}  {s.reading_count} readings"
        f"  min {s.temperature_min_c:.1f} / mean {s.temperature_mean_c:.1f}"
        f" / max {s.temperature_max_c:.1f} C  heating {s.heating_duty_cycle * 100:.0f}%"
    )


def describe(event_name: str, new: Image, old: Image) -> str | None:
    """One line for a change worth showing, or None (images as plain values)."""
    item, before = _typed(new), _typed(old)
    if isinstance(item, ReadingItem) and event_name == "INSERT":
        r = item.reading
        return (
            f"reading  {r.device_id}  {r.timestamp}  {r.temperature_c:.1f} C"
            f"  (setpoint {r.setpoint_c:.1f} C, heating {'on' if r.heating else 'off'})"
        )
    if isinstance(item, RollupItem):
        return _rollup_line(item, "hour" if item.kind == "hourly" else "day ")
    if isinstance(item, StatusItem) and item.open_hour is not None:
        # The open hour lives on the status until the hour closes: show it as it grows.
        was = before.open_hour if isinstance(before, StatusItem) else None
        if was is None or was.stats != item.open_hour.stats:
            return _rollup_line(item.open_hour, "hour") + "  (open)"
    if isinstance(item, AlertItem) and event_name == "INSERT":
        return f"alert    {item.device_id}  {item.subject}"
    return None


class FeedPrinter:
    """An Invoker that prints each stream batch instead of running a function."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write

    def invoke(self, payload: bytes, *, timeout: float | None = None) -> InvocationResult:
        for record in json.loads(payload)["Records"]:
            body = record["dynamodb"]
            if record.get("userIdentity", {}).get("principalId") == "dynamodb.amazonaws.com":
                expired = _typed(from_wire(body.get("OldImage") or {}))
                if isinstance(expired, ReadingItem):
                    r = expired.reading
                    self._write(
                        f"{time.strftime('%H:%M:%S')}  expired  {r.device_id}  {r.timestamp}"
                    )
                continue
            line = describe(
                record["eventName"],
                from_wire(body.get("NewImage") or {}),
                from_wire(body.get("OldImage") or {}),
            )
            if line:
                self._write(f"{time.strftime('%H:%M:%S')}  {line}")
        return InvocationResult(str(uuid.uuid4()), b"null", None, 0.0)
