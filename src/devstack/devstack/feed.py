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
        s = item.stats
        span = "hour" if item.kind == "hourly" else "day "
        return (
            f"rollup   {item.device_id}  {span} {item.period}  {s.reading_count} readings"
            f"  min {s.temperature_min_c:.1f} / mean {s.temperature_mean_c:.1f}"
            f" / max {s.temperature_max_c:.1f} C  heating {s.heating_duty_cycle * 100:.0f}%"
        )
    if isinstance(item, StatusItem):
        previous = before.alert_state if isinstance(before, StatusItem) else "normal"
        if item.alert_state != previous:
            if item.alert_state == "normal":
                return f"alert    {item.device_id}  back to normal at {item.temperature_c:.1f} C"
            return (
                f"alert    {item.device_id}  {item.alert_state.upper()} temperature:"
                f" {item.temperature_c:.1f} C"
            )
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
