"""`thermostat history`: readings and rollups of one device, as a table, JSON Lines or CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.cli.helpers import (
    REGION,
    configure_env,
    create_contract_table,
    put_items,
    run_cli,
    stored_day,
)
from thermostat.contract import Reading

DEVICE = "living-room"
INTERVAL = timedelta(minutes=5)  # 288 readings: a whole day, quick for moto to serve


@pytest.fixture(scope="module")
def day_readings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Reading]]:
    """GIVEN a table holding one simulated UTC day of `living-room`, with rollups and status."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        configure_env(monkeypatch, tmp_path_factory.mktemp("history"))
        with mock_aws():
            client = boto3.client("dynamodb", region_name=REGION)
            create_contract_table(client)
            readings, items = stored_day(DEVICE, INTERVAL)
            put_items(client, items)
            yield readings


def wire(reading: Reading) -> dict[str, Any]:
    return {k: v for k, v in reading.to_wire().items() if k != "device_id"}


def test_table_has_one_aligned_row_per_reading(day_readings: list[Reading]) -> None:
    """The default output is a header and one fixed-width row per reading, oldest first."""
    result = run_cli("history", "--device", DEVICE, "--day", "2025-12-01")
    lines = result.out.splitlines()
    assert result.code == 0
    assert lines[0].split() == ["time", "(UTC)", "temp", "°C", "setpoint", "°C", "heating"]
    assert len(lines) == 1 + len(day_readings)
    first = day_readings[0]
    on_off = "on" if first.heating else "off"
    assert lines[1].split() == [
        "2025-12-01",
        "00:00:00",
        f"{first.temperature_c:.2f}",
        f"{first.setpoint_c:.2f}",
        on_off,
    ]
    row = re.compile(r"^2025-12-01 \d\d:\d\d:\d\d  +\d+\.\d\d  +\d+\.\d\d  (on|off)$")
    assert all(row.match(line) for line in lines[1:])
    # Numbers are right-aligned: every row's setpoint ends in the same column.
    assert len({line.rindex(".") for line in lines[1:]}) == 1


def test_json_lines_carry_every_reading_exactly(day_readings: list[Reading]) -> None:
    """--json writes one object per line with the stored values, UTC and local time."""
    result = run_cli("history", "--device", DEVICE, "--day", "2025-12-01", "--json")
    rows = [json.loads(line) for line in result.out.splitlines()]
    assert [
        {k: row[k] for k in ("recorded_at", "temperature_c", "setpoint_c", "heating")}
        for row in rows
    ] == [wire(r) for r in day_readings]
    assert rows[0]["local_time"] == "2025-12-01T00:00:00+00:00"
    assert {row["device_id"] for row in rows} == {DEVICE}


def test_csv_has_a_header_and_every_reading(day_readings: list[Reading]) -> None:
    """--csv is readable by the csv module and matches the stored readings."""
    result = run_cli("history", "--device", DEVICE, "--day", "2025-12-01", "--csv")
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert len(rows) == len(day_readings)
    assert [(r["recorded_at"], float(r["temperature_c"]), r["heating"]) for r in rows] == [
        (x.timestamp, x.temperature_c, "true" if x.heating else "false") for x in day_readings
    ]


def test_tz_selects_the_local_day_and_shows_local_times(day_readings: list[Reading]) -> None:
    """--tz Europe/Berlin: the day runs 23:00Z..23:00Z and times show as Berlin time."""
    result = run_cli(
        "history", "--device", DEVICE, "--day", "2025-12-01", "--tz", "Europe/Berlin", "--json"
    )
    rows = [json.loads(line) for line in result.out.splitlines()]
    # The seeded UTC day covers Berlin 01:00..24:00 of 2025-12-01.
    assert rows[0]["local_time"] == "2025-12-01T01:00:00+01:00"
    assert rows[0]["recorded_at"] == "2025-12-01T00:00:00.000Z"
    assert rows[-1]["recorded_at"] == "2025-12-01T22:55:00.000Z"
    assert len(rows) == len(day_readings) - 12  # 23:00Z..23:55Z is 2 December in Berlin


def test_from_to_times_include_start_and_exclude_end(day_readings: list[Reading]) -> None:
    """--from/--to timestamps select [from, to): 06:00 is in, 07:00 is not."""
    result = run_cli(
        "history",
        "--device",
        DEVICE,
        "--from",
        "2025-12-01T06:00",
        "--to",
        "2025-12-01T07:00",
        "--json",
    )
    stamps = [json.loads(line)["recorded_at"] for line in result.out.splitlines()]
    assert stamps[0] == "2025-12-01T06:00:00.000Z"
    assert stamps[-1] == "2025-12-01T06:55:00.000Z"
    assert len(stamps) == 12


def test_from_to_days_include_the_whole_last_day(day_readings: list[Reading]) -> None:
    """--from D1 --to D2 with days includes all of D2."""
    result = run_cli(
        "history", "--device", DEVICE, "--from", "2025-11-30", "--to", "2025-12-01", "--csv"
    )
    assert len(result.out.splitlines()) == 1 + len(day_readings)


def test_hourly_reads_one_rollup_per_utc_hour(day_readings: list[Reading]) -> None:
    """--hourly shows the 24 stored hourly rollups with their statistics."""
    result = run_cli("history", "--device", DEVICE, "--day", "2025-12-01", "--hourly", "--json")
    rows = [json.loads(line) for line in result.out.splitlines()]
    assert [row["period"] for row in rows] == [f"2025-12-01T{h:02d}" for h in range(24)]
    first_hour = day_readings[:12]
    assert rows[0]["reading_count"] == 12
    assert rows[0]["temperature_min_c"] == min(r.temperature_c for r in first_hour)
    assert rows[0]["heating_duty_cycle"] == pytest.approx(
        sum(r.heating for r in first_hour) / 12, abs=1e-4
    )


def test_hourly_table_shows_heating_share_as_percent(day_readings: list[Reading]) -> None:
    """The hourly table has one row per hour and the duty cycle in percent."""
    result = run_cli("history", "--device", DEVICE, "--day", "2025-12-01", "--hourly")
    lines = result.out.splitlines()
    assert lines[0].startswith("period (UTC)")
    assert len(lines) == 25
    assert re.search(r"\d+%$", lines[1])


def test_daily_reads_the_day_rollup(day_readings: list[Reading]) -> None:
    """--daily shows the one daily rollup with the whole day's count and extremes."""
    result = run_cli("history", "--device", DEVICE, "--day", "2025-12-01", "--daily", "--csv")
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert len(rows) == 1
    assert rows[0]["period"] == "2025-12-01"
    assert int(rows[0]["reading_count"]) == len(day_readings)
    assert float(rows[0]["temperature_max_c"]) == max(r.temperature_c for r in day_readings)


def test_empty_day_says_so_and_exits_zero(day_readings: list[Reading]) -> None:
    """A known device with no readings that day: nothing on stdout, a message, exit 0."""
    result = run_cli("history", "--device", DEVICE, "--day", "2025-12-02", "--json")
    assert (result.code, result.out) == (0, "")
    assert result.err == "no readings for device 'living-room' on 2025-12-02 (UTC)\n"


def test_empty_rollups_say_which_kind_is_missing(day_readings: list[Reading]) -> None:
    """An hour range with no hourly rollups names the rollup kind in the message."""
    result = run_cli("history", "--device", DEVICE, "--day", "2025-11-30", "--hourly")
    assert (result.code, result.out) == (0, "")
    assert "no hourly rollups for device 'living-room' on 2025-11-30" in result.err


def test_unknown_device_lists_the_devices_that_exist(day_readings: list[Reading]) -> None:
    """A device id with no items exits 1 and names the devices in the table."""
    result = run_cli("history", "--device", "kitchen", "--day", "2025-12-01")
    assert result.code == 1
    assert result.out == ""
    assert result.err == (
        "thermostat: unknown device 'kitchen'; devices in table 'thermostat-test': living-room\n"
    )


def test_progress_reports_pages_and_total(day_readings: list[Reading]) -> None:
    """--progress writes pages fetched and a final count to stderr, never to stdout."""
    result = run_cli("history", "--device", DEVICE, "--day", "2025-12-01", "--csv", "--progress")
    assert "fetched 288 readings (1 page)" in result.err
    assert re.search(r"done: 288 readings \(1 page\) in \d+\.\d s", result.err)
    assert "fetched" not in result.out


def test_to_before_from_is_a_usage_error(day_readings: list[Reading]) -> None:
    """--to earlier than --from exits 2 with one line."""
    result = run_cli("history", "--device", DEVICE, "--from", "2025-12-02", "--to", "2025-12-01")
    assert result.code == 2
    assert result.err == "thermostat: --to must be later than --from\n"


def test_a_range_is_required(day_readings: list[Reading]) -> None:
    """Neither --day nor --from: exit 2 and say what to give."""
    result = run_cli("history", "--device", DEVICE)
    assert result.code == 2
    assert "give --day YYYY-MM-DD, --last DURATION, or --from" in result.err


def test_to_with_day_is_a_usage_error(day_readings: list[Reading]) -> None:
    """--to belongs to --from; with --day it would be silently ignored, so it is refused."""
    result = run_cli("history", "--device", DEVICE, "--day", "2025-12-01", "--to", "2025-12-02")
    assert result.code == 2
    assert result.err == "thermostat: --to goes with --from, not with --day\n"
