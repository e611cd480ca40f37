"""POST /api/devices/{id}/settings against moto_server: what `thermostat set` writes, with its
messages; the tile's desired against applied version."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.cli.helpers import TABLE, create_contract_table, put_items, status_seen
from tests.dashboard.conftest import Answer, Server
from tests.support.moto import MotoServer
from thermostat.device_settings import WeeklySchedule
from thermostat.items import DeviceReport, SettingsItem, StatusItem
from thermostat_cli.dashboard.controls import MAX_BODY
from thermostat_cli.dashboard.source import TableSource
from thermostat_cli.main import main
from thermostat_cli.queries import Table
from thermostat_cli.settings_changes import change_settings

Serve = Callable[..., Server]
DEVICE = "hall"


@pytest.fixture
def table(aws: MotoServer) -> Any:
    """The contract's table on moto_server with one device, hall, heard from a minute ago."""
    client = boto3.client("dynamodb")
    create_contract_table(client)
    put_items(client, [status_seen(DEVICE, timedelta(minutes=1))])
    return client


@pytest.fixture
def server(table: Any, serve: Serve) -> Server:
    return serve(TableSource(table=TABLE), now=datetime.now(UTC))


def post(server: Server, body: Any, device: str = DEVICE, **headers: str) -> Answer:
    """A POST as the page sends it: JSON, from the page's own origin."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return server.request(
        "POST",
        f"/api/devices/{device}/settings",
        headers={"Origin": server.url, "Content-Type": "application/json", **headers},
        data=data,
    )


def stored(client: Any) -> SettingsItem | None:
    return Table(client, TABLE).settings(DEVICE)


def cli_error(*argv: str) -> str:
    """What `thermostat set hall ARGV` prints on stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["--table", TABLE, "set", DEVICE, *argv], out=out, err=err)
    assert code == 2
    return err.getvalue()


def tile(server: Server) -> dict[str, Any]:
    (found,) = server.get("/api/devices").body["devices"]
    return dict(found)


def report(client: Any, **fields: Any) -> None:
    """The device's status as if its newest upload reported ``fields`` (DeviceReport's)."""
    status = StatusItem.from_item(status_seen(DEVICE, timedelta(seconds=5)))
    put_items(client, [replace(status, report=DeviceReport(**fields)).to_item()])


def test_a_setpoint_change_writes_a_new_version(table: Any, server: Server) -> None:
    """{"setpoint_c": 21.5}: version 1, as `thermostat set --setpoint 21.5` writes it."""
    answer = post(server, {"setpoint_c": 21.5, "version": 0})
    assert answer.status == 200, answer.body
    assert (answer.body["version"], answer.body["describe"]) == (1, "heat to 21.5 C")
    item = stored(table)
    assert item is not None
    assert (item.settings.version, item.settings.setpoint_c) == (1, 21.5)
    assert item.updated_by == "dashboard"
    assert answer.body["desired"]["setpoint_c"] == 21.5


def test_each_change_keeps_the_others(table: Any, server: Server) -> None:
    """Setpoint, then mode, then schedule and its zone: version 3 holds all of them."""
    post(server, {"setpoint_c": 22, "version": 0})
    post(server, {"mode": "away", "version": 1})
    answer = post(
        server, {"schedule": "sat,sun 08:00=21 23:00=17", "timezone": "Europe/Berlin", "version": 2}
    )
    assert answer.status == 200, answer.body
    item = stored(table)
    assert item is not None
    s = item.settings
    assert (s.version, s.setpoint_c, s.mode, s.timezone) == (3, 22.0, "away", "Europe/Berlin")
    assert s.schedule == WeeklySchedule.parse("sat,sun 08:00=21 23:00=17").text


def test_a_null_schedule_clears_it(table: Any, server: Server) -> None:
    """{"schedule": null} is `thermostat set --clear-schedule`."""
    post(server, {"schedule": "mon-fri 06:30=21 22:30=17", "version": 0})
    answer = post(server, {"schedule": None, "version": 1})
    assert answer.status == 200, answer.body
    item = stored(table)
    assert item is not None and (item.settings.version, item.settings.schedule) == (2, None)


@pytest.mark.parametrize(
    ("body", "argv"),
    [
        ({"setpoint_c": 40}, ("--setpoint", "40")),
        ({"setpoint_c": 4.5}, ("--setpoint", "4.5")),
        ({"away_setpoint_c": 2}, ("--away-setpoint", "2")),
        ({"mode": "cool"}, ("--mode", "cool")),
        ({"schedule": "mon 25:00=20"}, ("--schedule", "mon 25:00=20")),
        ({"schedule": "funday 08:00=20"}, ("--schedule", "funday 08:00=20")),
        ({"schedule": "mon 08:00=50"}, ("--schedule", "mon 08:00=50")),
        ({"schedule": ""}, ("--schedule", "")),
        ({"timezone": "Mars/Olympus"}, ("--timezone", "Mars/Olympus")),
        ({}, ()),
    ],
)
def test_a_bad_value_is_400_with_the_message_thermostat_set_prints(
    table: Any, server: Server, body: dict[str, Any], argv: tuple[str, ...]
) -> None:
    """Each bad value: 400, the very line `thermostat set` prints, and nothing written."""
    answer = post(server, {**body, "version": 0})
    assert (answer.status, answer.body["error"]["kind"]) == (400, "bad-request")
    assert cli_error(*argv) == f"thermostat: {answer.body['error']['message']}\n"
    assert stored(table) is None


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"setpoint 21", "the body must be JSON like"),
        ([21.5], "the body must be a JSON object"),
        ({"setpoint": 21.5}, "unknown field 'setpoint'; the fields are setpoint_c,"),
        ({"setpoint_c": "21.5"}, "setpoint_c must be a number of degrees Celsius, not '21.5'"),
        ({"setpoint_c": True}, "setpoint_c must be a number of degrees Celsius, not True"),
        ({"mode": 1}, "mode must be text, not 1"),
        ({"setpoint_c": 21, "version": -1}, "version must be the settings version shown"),
        ({"setpoint_c": 21, "version": "1"}, "version must be the settings version shown"),
    ],
)
def test_a_body_that_is_not_a_settings_change_is_400(
    table: Any, server: Server, body: Any, says: str
) -> None:
    """JSON that the page would never send is refused, saying what is wrong with it."""
    answer = post(server, body)
    assert answer.status == 400
    assert says in answer.body["error"]["message"]
    assert stored(table) is None


def test_a_huge_body_is_413(table: Any, server: Server) -> None:
    """A body far past any settings change is refused before it is parsed."""
    answer = post(server, {"schedule": "mon " + "06:30=21 " * MAX_BODY})
    assert (answer.status, answer.body["error"]["kind"]) == (413, "too-large")
    assert stored(table) is None


def test_an_unknown_device_is_404_naming_the_known_ones(table: Any, server: Server) -> None:
    """A device the table has never heard of gets no settings."""
    answer = post(server, {"setpoint_c": 21, "version": 0}, device="kitchen")
    assert (answer.status, answer.body["error"]["message"]) == (
        404,
        f"unknown device 'kitchen'; devices in table {TABLE!r}: {DEVICE}",
    )
    assert Table(table, TABLE).settings("kitchen") is None


def test_a_change_started_from_an_older_version_is_409(table: Any, server: Server) -> None:
    """Someone set 22 C meanwhile: the page's "0.5 up" from version 0 is refused, saying so."""
    change_settings(Table(table, TABLE), DEVICE, {"setpoint_c": 22.0})
    answer = post(server, {"setpoint_c": 20.5, "version": 0})
    assert (answer.status, answer.body["error"]["kind"]) == (409, "conflict")
    assert answer.body["error"]["message"] == (
        "the settings of 'hall' changed meanwhile: they are version 1: heat to 22 C, not version"
        " 0 that this change started from; look again and retry"
    )
    item = stored(table)
    assert item is not None and (item.settings.version, item.settings.setpoint_c) == (1, 22.0)


@pytest.mark.parametrize("origin", ["http://evil.example", None])
def test_a_cross_origin_post_is_refused_and_writes_nothing(
    table: Any, server: Server, origin: str | None
) -> None:
    """Another web site (or a request without Origin) cannot change a thermostat."""
    headers = {"Content-Type": "application/json"}
    if origin:
        headers["Origin"] = origin
    answer = server.request(
        "POST", f"/api/devices/{DEVICE}/settings", headers=headers, data=b'{"setpoint_c": 30}'
    )
    assert (answer.status, answer.body["error"]["kind"]) == (403, "cross-origin")
    assert stored(table) is None


def test_the_tile_says_none_before_any_settings(server: Server) -> None:
    """No desired settings yet: state none, the device runs its own configuration."""
    settings = tile(server)["settings"]
    assert (settings["state"], settings["desired"]) == ("none", None)
    assert settings["text"] == "none sent yet: the device runs on its own configuration"


def test_the_tile_waits_for_the_device_until_it_reports_the_version(
    table: Any, server: Server
) -> None:
    """After a change: waiting for the device; once it reports version 1: applied."""
    report(table, settings_version=0)
    post(server, {"setpoint_c": 23, "version": 0})
    waiting = tile(server)["settings"]
    assert (waiting["state"], waiting["text"]) == ("waiting", "waiting for the device")
    assert (waiting["desired"]["version"], waiting["applied_version"]) == (1, 0)
    report(table, settings_version=1)
    applied = tile(server)["settings"]
    assert (applied["state"], applied["text"], applied["applied_version"]) == (
        "applied",
        "applied",
        1,
    )


def test_the_tile_shows_the_devices_refusal_of_that_version(table: Any, server: Server) -> None:
    """The device refused version 2: "refused: why"; a refusal of another version is not."""
    post(server, {"setpoint_c": 23, "version": 0})
    post(server, {"mode": "off", "version": 1})
    report(table, settings_version=1, settings_error="version 2 refused: mode: not here")
    refused = tile(server)["settings"]
    assert (refused["state"], refused["text"]) == ("refused", "refused: mode: not here")
    assert refused["error"] == "version 2 refused: mode: not here"
    post(server, {"mode": "heat", "version": 2})
    assert tile(server)["settings"]["state"] == "waiting"  # version 3: not refused (yet)
