"""The real Pi client against `make dev` (thermostat-devstack): SigV4, DynamoDB, dead letters."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from pi_cli import wait_for
from pi_fakes import make_readings

from thermostat.endpoints import Endpoints
from thermostat.items import READING_PREFIX, prefix_query
from thermostat_pi.spool import Spool

pytestmark = pytest.mark.e2e
BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
DEVICE = "pi-e2e"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_devstack(tmp_path: Path, *extra: str, pi: bool = False) -> Iterator[Endpoints]:
    """thermostat-devstack (--no-pi unless ``pi``) in tmp_path/.devstack; its endpoints.json
    once ready (written whole at once: ``Endpoints.write`` replaces the file)."""
    state = tmp_path / ".devstack"
    argv = [str(BIN / "thermostat-devstack"), *([] if pi else ["--no-pi"])]
    argv += ["--port", str(free_port())]
    argv += ["--url-port", str(free_port())]  # not the fixed default: tests run side by side
    argv += ["--state-dir", str(state), "--stack-name", f"pi-e2e-{uuid.uuid4().hex[:6]}"]
    process = subprocess.Popen(
        [*argv, *extra], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not (state / "endpoints.json").exists():
            assert process.poll() is None, process.stderr.read() if process.stderr else b""
            assert time.monotonic() < deadline, "make dev not ready after 60 s"
            time.sleep(0.1)
        yield Endpoints.read(state / "endpoints.json")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def devstack(tmp_path: Path) -> Iterator[Endpoints]:
    # The device identity make dev makes is the Pi's: it may send only its own readings.
    with running_devstack(tmp_path, "--device-id", DEVICE) as endpoints:
        yield endpoints


def stored_readings(endpoints: Endpoints, device: str = DEVICE) -> list[dict[str, Any]]:
    """The reading items of ``device`` in make dev's table, with the keys make dev gives."""
    session = boto3.Session(
        aws_access_key_id=endpoints.access_key_id,
        aws_secret_access_key=endpoints.secret_access_key,
        region_name=endpoints.region,
    )
    answer = session.client("dynamodb", endpoint_url=endpoints.aws_endpoint_url).query(
        TableName=endpoints.table_name, **prefix_query(device, READING_PREFIX)
    )
    return list(answer["Items"])


def test_flush_stores_readings_in_dynamodb_and_dead_letters_what_the_function_refuses(
    tmp_path: Path, devstack: Endpoints
) -> None:
    """Signed with SigV4 from endpoints.json: 30 readings stored, an 85.0 C one dead-lettered."""
    config = tmp_path / "pi.toml"
    config.write_text(
        f'device_id = "{DEVICE}"\nspool_path = "spool.db"\n'
        'endpoints_file = ".devstack/endpoints.json"\n'
    )
    readings = make_readings(30, device_id=DEVICE)
    spool = Spool(tmp_path / "spool.db")
    for reading in readings[:15]:
        spool.append(reading)
    # As if spooled by an older client that did not reject the power-on value.
    bad = dict(make_readings(1, device_id=DEVICE)[0].to_wire(), temperature_c=85.0)
    with sqlite3.connect(tmp_path / "spool.db") as db:
        db.execute("INSERT INTO readings (body, spooled_at) VALUES (?, 'x')", (json.dumps(bad),))
    for reading in readings[15:]:
        spool.append(reading)
    spool.close()

    flush = [str(BIN / "thermostat-pi"), "--config", str(config), "flush"]
    result = subprocess.run(flush, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr

    items = stored_readings(devstack)
    assert [item["recorded_at"]["S"] for item in items] == [r.timestamp for r in readings]
    assert [float(item["temperature_c"]["N"]) for item in items] == [
        r.temperature_c for r in readings
    ]
    [letter] = Spool(tmp_path / "spool.db").dead_letters()
    assert letter.body == bad
    assert "85.0 C is the DS18B20 power-on value" in letter.reason


def queued(spool: Path) -> int:
    with sqlite3.connect(f"{spool.as_uri()}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT count(*) FROM readings").fetchone()[0])


def test_a_running_pi_finds_make_dev_again_after_a_restart_elsewhere(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    """make dev stops, and comes back with another Function URL port and other keys: the
    running Pi re-reads endpoints.json, and every reading it took reaches one of the two."""
    device = "pi-e2e-moves"
    config = tmp_path / "pi.toml"
    config.write_text(
        f'device_id = "{device}"\nspool_path = "spool.db"\ninterval_seconds = 0.2\n'
        'min_cycle_seconds = 0\nendpoints_file = ".devstack/endpoints.json"\n'
    )
    pi = [str(BIN / "thermostat-pi"), "--config", str(config)]
    with running_devstack(
        tmp_path, "--access-key-id", "AKIDFIRSTDEV", "--device-id", device
    ) as first:
        with (tmp_path / "pi.log").open("ab") as log:
            child = subprocess.Popen([*pi, "run", "--simulate"], stderr=log)
        processes.append(child)
        wait_for(
            lambda: len(stored_readings(first, device)) >= 3,
            "readings stored",
            child,
            timeout=60,
            poll_s=0.1,
        )
        child.send_signal(signal.SIGSTOP)  # let what is in flight land, then look
        time.sleep(0.5)
        before = {item["recorded_at"]["S"] for item in stored_readings(first, device)}
    child.send_signal(signal.SIGCONT)
    wait_for(
        lambda: queued(tmp_path / "spool.db") >= 5,
        "readings taken while down",
        child,
        timeout=60,
        poll_s=0.1,
    )
    extra = ["--access-key-id", "AKIDSECONDDEV", "--secret-access-key", "other-secret"]
    extra += ["--device-id", device]
    with running_devstack(tmp_path, *extra) as second:
        assert second.ingest_url != first.ingest_url
        wait_for(
            lambda: queued(tmp_path / "spool.db") == 0,
            "the backlog sent",
            child,
            timeout=60,
            poll_s=0.1,
        )
        child.send_signal(signal.SIGTERM)
        assert child.wait(30) == 0
        flush = subprocess.run([*pi, "flush"], capture_output=True, text=True, timeout=60)
        assert flush.returncode == 0, flush.stderr
        after = {item["recorded_at"]["S"] for item in stored_readings(second, device)}
    with sqlite3.connect(tmp_path / "spool.db") as db:
        [(spooled,)] = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'readings'")
    assert len(before | after) == spooled  # no gap
    assert min(after) > max(before) or before & after  # the later ones went to the second


def test_thermostat_set_reaches_the_simulated_pi_of_make_dev(tmp_path: Path) -> None:
    """make dev with its simulated Pi: `thermostat set dev-pi --setpoint 30 --wait` returns
    once the Pi runs version 1 and its readings record 30 C; once it heats (after make dev's
    30 s minimum off time), `--mode off` turns the heat off at the next reading."""

    def readings() -> list[tuple[float, bool]]:
        return [
            (float(item["setpoint_c"]["N"]), item["heating"]["BOOL"])
            for item in stored_readings(endpoints, "dev-pi")
        ]

    def until(what: str, condition: Callable[[list[tuple[float, bool]]], bool]) -> None:
        wait_for(lambda: condition(readings()), what, timeout=60, poll_s=0.2)

    def thermostat_set(*options: str) -> None:
        done = subprocess.run(
            [str(BIN / "thermostat"), "set", "dev-pi", *options, "--wait", "--timeout", "60s"],
            cwd=tmp_path,  # finds .devstack/endpoints.json, as in a checkout
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert done.returncode == 0, done.stderr

    with running_devstack(tmp_path, "--interval", "0.3", pi=True) as endpoints:
        until("a first reading", lambda seen: len(seen) > 0)
        thermostat_set("--setpoint", "30")
        until("a reading at 30 C", lambda seen: seen[-1][0] == 30.0)
        until("the heat on", lambda seen: seen[-1] == (30.0, True))
        thermostat_set("--mode", "off")
        until("the heat off", lambda seen: seen[-1] == (5.0, False))
        seen = readings()
    assert seen[0][0] == 20.5  # make dev's config, before any settings
    off = seen.index((5.0, False))
    assert seen[off - 1] == (30.0, True)  # heating until mode off came, then off at once
    assert (5.0, True) not in seen  # not held on for the furnace's minimum on time
