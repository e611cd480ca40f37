"""`thermostat status`: every device's newest reading, and which devices went silent."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.cli.helpers import put_items, run_cli, status_seen, stored_day
from tests.support.readings import reading_at
from thermostat.items import ReadingItem


def seed_two_devices(dynamodb: Any) -> None:
    """GIVEN `hall` heard from 2 minutes ago and `attic` 3 hours ago."""
    put_items(
        dynamodb,
        [
            status_seen("hall", timedelta(minutes=2), temperature=20.5),
            status_seen("attic", timedelta(hours=3), temperature=12.25),
        ],
    )


def test_table_lists_every_device_with_its_latest_reading(dynamodb: Any) -> None:
    """One row per device, sorted by id, with temperature, setpoint and heating."""
    seed_two_devices(dynamodb)
    result = run_cli("status")
    lines = result.out.splitlines()
    assert result.code == 0
    assert lines[0].split()[:4] == ["device", "last", "seen", "(UTC)"]
    assert [line.split()[0] for line in lines[1:]] == ["attic", "hall"]
    assert "12.25" in lines[1]
    assert "20.50" in lines[2]
    assert "21.00" in lines[2]
    assert " on " in lines[2]


def test_device_silent_longer_than_threshold_is_flagged(dynamodb: Any) -> None:
    """With the default 15 minutes, the 3-hour-old device is SILENT and named on stderr."""
    seed_two_devices(dynamodb)
    result = run_cli("status")
    attic, hall = result.out.splitlines()[1:]
    assert attic.endswith("SILENT")
    assert "3h 0m ago" in attic
    assert hall.endswith("ok")
    assert "2m ago" in hall
    assert result.err == "1 of 2 devices silent for more than 15m: attic\n"


def test_silent_after_threshold_is_configurable(dynamodb: Any) -> None:
    """--silent-after 4h flags nobody; --silent-after 90s flags both."""
    seed_two_devices(dynamodb)
    assert "SILENT" not in run_cli("status", "--silent-after", "4h").out
    result = run_cli("status", "--silent-after", "90s")
    assert result.out.count("SILENT") == 2
    assert "silent for more than 1m30s" in result.err


def test_json_lines_have_one_object_per_device(dynamodb: Any) -> None:
    """--json: one object per line with silence, ages and the reading."""
    seed_two_devices(dynamodb)
    rows = [json.loads(line) for line in run_cli("status", "--json").out.splitlines()]
    assert [(r["device_id"], r["silent"], r["temperature_c"]) for r in rows] == [
        ("attic", True, 12.25),
        ("hall", False, 20.5),
    ]
    assert 10790 <= rows[0]["seconds_since_seen"] <= 10830
    assert rows[1]["last_seen_at"].endswith("Z")


def test_csv_has_the_same_fields(dynamodb: Any) -> None:
    """--csv has a header row and true/false for flags."""
    seed_two_devices(dynamodb)
    rows = list(csv.DictReader(io.StringIO(run_cli("status", "--csv").out)))
    assert [(r["device_id"], r["silent"], r["heating"]) for r in rows] == [
        ("attic", "true", "true"),
        ("hall", "false", "true"),
    ]


def test_readings_without_status_items_are_not_devices(dynamodb: Any) -> None:
    """The sparse index holds only status items: readings and rollups never show up."""
    seed_two_devices(dynamodb)
    _, items = stored_day("kitchen", timedelta(hours=1))
    put_items(dynamodb, [i for i in items if i["sk"] != "STATUS"])
    devices = [
        json.loads(line)["device_id"] for line in run_cli("status", "--json").out.splitlines()
    ]
    assert devices == ["attic", "hall"]


def test_no_devices_says_so_and_exits_zero(dynamodb: Any) -> None:
    """An empty table: no rows, a message on stderr, exit 0."""
    result = run_cli("status")
    assert (result.code, result.out) == (0, "")
    assert result.err == "no device has reported yet: table 'thermostat-test' has no status items\n"


def test_bad_duration_is_a_usage_error(dynamodb: Any, capsys: Any) -> None:
    """--silent-after 15 (no unit) exits 2 with argparse's message."""
    try:
        run_cli("status", "--silent-after", "15")
    except SystemExit as exit_:
        assert exit_.code == 2
    else:
        raise AssertionError("argparse accepted a duration without a unit")
    assert "not a duration (e.g. 90s, 15m, 2h, 1d): '15'" in capsys.readouterr().err


def test_a_reading_newer_than_the_status_item_is_shown(dynamodb: Any) -> None:
    """The status item is written once a stream batch; a reading that arrived since is shown."""
    status = status_seen("hall", timedelta(minutes=4), temperature=20.5)
    newer = ReadingItem.new(
        reading_at(
            datetime.now(UTC) - timedelta(seconds=30),
            temperature_c=19.25,
            setpoint_c=21.0,
            heating=True,
        ),
        received_at=datetime.now(UTC) - timedelta(seconds=28),
        retention_days=0,
    )
    put_items(dynamodb, [status, newer.to_item()])
    row = json.loads(run_cli("status", "--json").out)
    assert (row["temperature_c"], row["silent"]) == (19.25, False)
    assert row["seconds_since_seen"] < 60
