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
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from lambda_dataplane.config import InvocationResult

_deserializer = TypeDeserializer()
Item = Mapping[str, Any]


def _plain(image: Mapping[str, Any] | None) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in (image or {}).items()}


def _num(value: Any, digits: int = 1) -> str:
    return f"{float(Decimal(str(value))):.{digits}f}"


def describe(event_name: str, new: Item, old: Item) -> str | None:
    """One line for a change worth showing, or None."""
    kind = new.get("item_type")
    device = new.get("device_id", "?")
    if kind == "reading" and event_name == "INSERT":
        heating = "on" if new.get("heating") else "off"
        return (
            f"reading  {device}  {new.get('recorded_at')}  {_num(new['temperature_c'])} C"
            f"  (setpoint {_num(new['setpoint_c'])} C, heating {heating})"
        )
    if kind in ("hourly", "daily"):
        span = "hour" if kind == "hourly" else "day "
        return (
            f"rollup   {device}  {span} {new.get('period')}  {new.get('reading_count')} readings"
            f"  min {_num(new['temperature_min_c'])} / mean {_num(new['temperature_mean_c'])}"
            f" / max {_num(new['temperature_max_c'])} C"
            f"  heating {float(new['heating_duty_cycle']) * 100:.0f}%"
        )
    if kind == "status":
        state, before = new.get("alert_state"), old.get("alert_state", "normal")
        if state != before:
            temperature = _num(new.get("temperature_c", 0))
            if state == "normal":
                return f"alert    {device}  back to normal at {temperature} C"
            return f"alert    {device}  {str(state).upper()} temperature: {temperature} C"
    return None


class FeedPrinter:
    """An Invoker that prints each stream batch instead of running a function."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write

    def invoke(self, payload: bytes, *, timeout: float | None = None) -> InvocationResult:
        for record in json.loads(payload)["Records"]:
            body = record["dynamodb"]
            line = describe(
                record["eventName"], _plain(body.get("NewImage")), _plain(body.get("OldImage"))
            )
            if line:
                self._write(f"{time.strftime('%H:%M:%S')}  {line}")
        return InvocationResult(str(uuid.uuid4()), b"null", None, 0.0)
