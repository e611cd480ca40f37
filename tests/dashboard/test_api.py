"""The dashboard's JSON API against a real moto_server table: tiles, charts, alert history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.cli.helpers import TABLE, create_contract_table, put_items, status_seen, stored_day
from tests.dashboard.conftest import NOW, Server
from tests.support.moto import MotoServer
from thermostat.items import AlertItem, StatusItem
from thermostat_cli.dashboard.api import FIRST_READINGS
from thermostat_cli.dashboard.source import TableSource

Serve = Callable[..., Server]


@pytest.fixture
def table(aws: MotoServer) -> Any:
    """The contract's table on moto_server, empty."""
    client = boto3.client("dynamodb")
    create_contract_table(client)
    return client


@pytest.fixture
def server(table: Any, serve: Serve) -> Server:
    return serve(TableSource(table=TABLE))


def seed_day(client: Any, device: str = "living-room") -> list[Any]:
    """A simulated 2025-12-01 (UTC), one reading every 5 minutes: 288 readings."""
    readings, items = stored_day(device, timedelta(minutes=5))
    put_items(client, items)
    return readings


def test_devices_shows_each_device_newest_reading(table: Any, server: Server) -> None:
    """A tile carries the newest reading's temperature, setpoint, heating and times."""
    newest = seed_day(table)[-1]
    answer = server.get("/api/devices")
    assert answer.status == 200
    (tile,) = answer.body["devices"]
    assert tile["device_id"] == "living-room"
    assert tile["temperature_c"] == newest.temperature_c
    assert tile["setpoint_c"] == newest.setpoint_c
    assert tile["heating"] == newest.heating
    assert tile["last_recorded_at"] == newest.timestamp
    assert answer.body["controls"]["step_c"] == 0.5
    assert tile["settings"]["state"] == "none"


def test_a_device_not_heard_from_is_silent_with_an_open_alert(table: Any, serve: Serve) -> None:
    """Past --silent-after, the tile is silent and says for how long."""
    put_items(table, [status_seen("office", timedelta(minutes=40))])
    server = serve(TableSource(table=TABLE), now=datetime.now(UTC))
    (tile,) = server.get("/api/devices").body["devices"]
    assert tile["silent"] is True
    assert tile["alerts"] == [
        {"kind": "silent", "text": "silent: no reading for 40 min", "since": tile["last_seen_at"]}
    ]


def test_a_recent_device_is_not_silent(table: Any, serve: Serve) -> None:
    """A device heard from a minute ago has no open alert."""
    put_items(table, [status_seen("office", timedelta(minutes=1))])
    server = serve(TableSource(table=TABLE), now=datetime.now(UTC))
    (tile,) = server.get("/api/devices").body["devices"]
    assert (tile["silent"], tile["alerts"]) == (False, [])


def test_a_temperature_alert_state_is_an_open_alert(table: Any, serve: Serve) -> None:
    """alert_state low shows as 'too cold' since the state changed."""
    item = StatusItem.from_item(status_seen("office", timedelta(minutes=1)))
    changed = datetime(2026, 1, 5, 7, 30, tzinfo=UTC)
    cold = StatusItem(**{**item.__dict__, "alert_state": "low", "alert_changed_at": changed})
    put_items(table, [cold.to_item()])
    server = serve(TableSource(table=TABLE), now=datetime.now(UTC))
    (tile,) = server.get("/api/devices").body["devices"]
    assert tile["alerts"] == [
        {"kind": "low", "text": "too cold", "since": "2026-01-05T07:30:00.000Z"}
    ]


def test_no_device_yet_is_an_empty_list(table: Any, server: Server) -> None:
    """An empty table answers 200 with no devices (the page says none reported yet)."""
    assert server.get("/api/devices").body["devices"] == []


def test_day_chart_is_every_reading_of_the_day_as_columns(table: Any, server: Server) -> None:
    """range=day gives the day's readings oldest first, as time/temperature/setpoint/heating."""
    readings = seed_day(table)
    body = server.get("/api/devices/living-room/chart?range=day&day=2025-12-01&tz=UTC").body
    assert body["kind"] == "readings"
    assert len(body["t"]) == 288
    assert body["t"][0] == readings[0].recorded_at.timestamp()
    assert body["temperature"] == [r.temperature_c for r in readings]
    assert body["setpoint"] == [r.setpoint_c for r in readings]
    assert body["heating"] == [int(r.heating) for r in readings]
    assert (body["start"], body["end"]) == (
        datetime(2025, 12, 1, tzinfo=UTC).timestamp(),
        datetime(2025, 12, 2, tzinfo=UTC).timestamp(),
    )


def test_day_chart_follows_the_page_time_zone(table: Any, server: Server) -> None:
    """The day is the page's local day: Berlin's 2025-12-01 starts at 23:00 UTC the day before."""
    seed_day(table)
    body = server.get(
        "/api/devices/living-room/chart?range=day&day=2025-12-01&tz=Europe/Berlin"
    ).body
    assert body["start"] == datetime(2025, 11, 30, 23, tzinfo=UTC).timestamp()
    assert len(body["t"]) == 276  # 23:00 UTC on the 1st is the next Berlin day


def test_after_returns_only_readings_newer_than_the_page_has(table: Any, server: Server) -> None:
    """after=<epoch ms> is the incremental poll: only readings taken after it."""
    readings = seed_day(table)
    after = round(readings[199].recorded_at.timestamp() * 1000)
    body = server.get(f"/api/devices/living-room/chart?range=24h&after={after}").body
    assert body["t"][0] == readings[200].recorded_at.timestamp()
    assert len(body["t"]) == 88


def test_a_busy_range_comes_newest_hours_first_then_the_rest(table: Any, server: Server) -> None:
    """1440 readings: the first answer stops at an hour boundary after at most FIRST_READINGS
    readings and says more_before; before=<that> brings the rest, and nothing more."""
    readings, items = stored_day("living-room", timedelta(minutes=1))
    put_items(table, items)
    path = "/api/devices/living-room/chart?range=day&day=2025-12-01&tz=UTC"
    newest = server.get(path).body
    assert 0 < len(newest["t"]) <= FIRST_READINGS
    boundary = newest["more_before"] / 1000
    assert boundary == newest["t"][0] and boundary % 3600 == 0  # whole hours
    older = server.get(f"{path}&before={newest['more_before']}").body
    assert older["more_before"] is None
    assert older["t"] + newest["t"] == [r.recorded_at.timestamp() for r in readings]
    again = server.get(path).body  # the hours are complete in the cache now: all at once
    assert (len(again["t"]), again["more_before"]) == (1440, None)


def test_last_24_hours_ends_now(table: Any, server: Server) -> None:
    """range=24h covers the 24 hours before now (the whole simulated day here)."""
    seed_day(table)
    body = server.get("/api/devices/living-room/chart?range=24h").body
    assert body["end"] == NOW.timestamp()
    assert len(body["t"]) == 288


def test_seven_days_are_hourly_rollups(table: Any, server: Server) -> None:
    """range=7d reads hourly rollups: mean, min, max, setpoint and heating duty per hour."""
    seed_day(table)
    body = server.get("/api/devices/living-room/chart?range=7d").body
    assert (body["kind"], body["period_seconds"]) == ("hourly", 3600)
    assert len(body["t"]) == 24
    assert body["count"] == [12] * 24
    assert all(
        lo <= mean <= hi
        for lo, mean, hi in zip(body["min"], body["temperature"], body["max"], strict=True)
    )
    assert all(0 <= duty <= 1 for duty in body["heating"])


def test_thirty_days_are_daily_rollups(table: Any, server: Server) -> None:
    """range=30d reads daily rollups: one for the simulated day, with all its readings."""
    seed_day(table)
    body = server.get("/api/devices/living-room/chart?range=30d").body
    assert (body["kind"], body["t"], body["count"]) == (
        "daily",
        [datetime(2025, 12, 1, tzinfo=UTC).timestamp()],
        [288],
    )


def test_an_empty_range_of_a_known_device_is_empty_columns(table: Any, server: Server) -> None:
    """A device with nothing in range answers 200 with no points (the page says so)."""
    seed_day(table)
    body = server.get("/api/devices/living-room/chart?range=day&day=2025-11-01").body
    assert body["t"] == []


def test_unknown_device_is_404_naming_the_known_ones(table: Any, server: Server) -> None:
    """A device the table has never heard of: 404, and which devices there are."""
    seed_day(table)
    answer = server.get("/api/devices/kitchen/chart?range=24h")
    assert answer.status == 404
    assert answer.body["error"]["kind"] == "unknown-device"
    assert answer.body["error"]["message"] == (
        f"unknown device 'kitchen'; devices in table {TABLE!r}: living-room"
    )


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/api/devices/living-room/chart?range=1y", "unknown range '1y'"),
        ("/api/devices/living-room/chart?range=day&day=soon", "range=day needs day=YYYY-MM-DD"),
        ("/api/devices/living-room/chart?tz=Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
        ("/api/devices/living-room/chart?after=yesterday", "after must be epoch milliseconds"),
        ("/api/devices/living-room/chart?before=soon", "before must be epoch milliseconds"),
        ("/api/devices/living-room/chart?after=1&before=2", "give after (newer readings) or"),
        ("/api/devices/living%20room/chart", "not a device id: 'living room'"),
        ("/api/devices/living-room/alerts?limit=0", "limit must be 1 to 100"),
    ],
)
def test_bad_parameters_are_400_with_a_message(server: Server, path: str, says: str) -> None:
    """Each bad parameter is refused with 400 and a message naming it."""
    answer = server.get(path)
    assert answer.status == 400
    assert says in answer.body["error"]["message"]


def test_alert_history_is_newest_first(table: Any, server: Server) -> None:
    """The device's alerts, newest first, with subject, message and whether it was sent."""
    seed_day(table)
    base = datetime(2025, 12, 1, 6, tzinfo=UTC)
    alerts = [
        AlertItem("living-room", base + timedelta(hours=h), kind, f"{kind} at {h}", "body", {})
        for h, kind in [(0, "temperature_low"), (2, "temperature_normal")]
    ]
    put_items(table, [a.to_item() for a in alerts])
    body = server.get("/api/devices/living-room/alerts").body
    assert [a["subject"] for a in body["alerts"]] == [
        "temperature_normal at 2",
        "temperature_low at 0",
    ]
    assert body["alerts"][0] == {
        "occurred_at": "2025-12-01T08:00:00.000Z",
        "kind": "temperature_normal",
        "subject": "temperature_normal at 2",
        "message": "body",
        "published": False,
    }


def test_alert_history_of_a_quiet_device_is_empty(table: Any, server: Server) -> None:
    """A known device without alerts answers an empty list."""
    seed_day(table)
    assert server.get("/api/devices/living-room/alerts").body["alerts"] == []
