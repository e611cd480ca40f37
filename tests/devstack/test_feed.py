"""The lines ``make dev`` prints for changes in the table."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from devstack.__main__ import curl_example
from devstack.feed import FeedPrinter, describe
from tests.support.endpoints import local_endpoints
from thermostat.contract import Reading
from thermostat.items import AlertItem, ReadingItem, RollupItem, RollupStats, StatusItem

AT = datetime(2026, 11, 21, 20, tzinfo=UTC)
READING = ReadingItem(
    Reading(device_id="d1", recorded_at=AT, temperature_c=20.5, setpoint_c=21, heating=True),
    received_at=AT,
).to_item()
HOURLY = RollupItem(
    "d1",
    "hourly",
    "2026-11-21T20",
    RollupStats(
        reading_count=3,
        temperature_sum_c=Decimal("61.2"),
        setpoint_sum_c=Decimal("63"),
        heating_count=2,
        temperature_min_c=20.1,
        temperature_max_c=20.8,
        first_recorded_at=AT,
        last_recorded_at=AT,
    ),
).to_item()


def alert() -> dict[str, Any]:
    return AlertItem(
        "d1", AT, "temperature_low", "d1: too cold (11.0 C)", "body", {"alert": "low"}
    ).to_item()


def status(hour: RollupItem | None) -> dict[str, Any]:
    return StatusItem("d1", AT, AT, 11, 21, False, open_hour=hour).to_item()


def test_new_reading_is_one_line_with_its_values() -> None:
    """An inserted reading shows device, time, temperature, setpoint and heating."""
    line = describe("INSERT", READING, {})
    assert line == ("reading  d1  2026-11-21T20:00:00.000Z  20.5 C  (setpoint 21.0 C, heating on)")


def test_rollup_shows_count_range_and_duty_cycle() -> None:
    """An hourly rollup write shows its period and statistics."""
    assert describe("MODIFY", HOURLY, {}) == (
        "rollup   d1  hour 2026-11-21T20  3 readings  min 20.1 / mean 20.4 / max 20.8 C"
        "  heating 67%"
    )


def test_a_new_alert_is_one_line_with_its_subject() -> None:
    """A recorded alert shows its device and subject, once (when it is inserted)."""
    assert describe("INSERT", alert(), {}) == "alert    d1  d1: too cold (11.0 C)"
    assert describe("MODIFY", alert(), alert()) is None  # marked published


def test_the_open_hour_is_shown_as_it_grows() -> None:
    """Status writes print the open hour when its figures changed, and nothing else."""
    hour = RollupItem.from_item(HOURLY)
    line = describe("MODIFY", status(hour), status(None))
    assert line is not None and line.endswith("heating 67%  (open)")
    assert describe("MODIFY", status(hour), status(hour)) is None


def test_changed_or_removed_readings_are_not_repeated() -> None:
    """Only new readings are news; MODIFY and REMOVE of a reading print nothing."""
    assert describe("MODIFY", READING, READING) is None
    assert describe("REMOVE", {}, READING) is None


def test_printer_writes_lines_for_a_stream_batch_and_succeeds() -> None:
    """FeedPrinter reads a Lambda stream event and answers like a successful function."""
    lines: list[str] = []
    image = {key: TypeSerializer().serialize(value) for key, value in READING.items()}
    event = {"Records": [{"eventName": "INSERT", "dynamodb": {"NewImage": image}}]}
    result = FeedPrinter(lines.append).invoke(json.dumps(event).encode())
    assert result.function_error is None and result.payload == b"null"
    assert len(lines) == 1 and lines[0].endswith("heating on)")


def test_curl_example_is_unsigned_for_a_public_url() -> None:
    """With auth NONE the example has no --aws-sigv4 and no credentials."""
    endpoints = local_endpoints(
        "http://127.0.0.1:4566", "t", ingest_url="http://127.0.0.1:1/", auth_type="NONE"
    )
    example = curl_example(endpoints)
    assert example.startswith("curl -H 'Content-Type: application/json' -d '{")
    assert "--aws-sigv4" not in example and example.endswith(" http://127.0.0.1:1/")
