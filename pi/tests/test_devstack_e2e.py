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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from pi_fakes import make_readings

from thermostat.items import device_pk
from thermostat_pi.spool import Spool

pytestmark = pytest.mark.e2e
BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
DEVICE = "pi-e2e"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def devstack(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """thermostat-devstack --no-pi in tmp_path/.devstack; its endpoints.json once ready."""
    state = tmp_path / ".devstack"
    argv = [str(BIN / "thermostat-devstack"), "--no-pi", "--port", str(free_port())]
    argv += ["--url-port", str(free_port())]  # not the fixed default: tests run side by side
    argv += ["--state-dir", str(state), "--stack-name", f"pi-e2e-{uuid.uuid4().hex[:6]}"]
    process = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (state / "endpoints.json").exists():
            assert process.poll() is None, process.stderr.read() if process.stderr else b""
            assert time.monotonic() < deadline, "make dev not ready after 60 s"
            time.sleep(0.1)
        time.sleep(0.1)  # written, maybe not flushed: read it only once it is whole
        yield json.loads((state / "endpoints.json").read_text())
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stored_readings(endpoints: dict[str, Any]) -> list[dict[str, Any]]:
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=endpoints["aws_endpoint_url"],
        region_name=endpoints["region"],
        aws_access_key_id=endpoints["access_key_id"],
        aws_secret_access_key=endpoints["secret_access_key"],
    )
    answer = dynamodb.query(
        TableName=endpoints["table_name"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
        ExpressionAttributeValues={":pk": {"S": device_pk(DEVICE)}, ":sk": {"S": "READING#"}},
    )
    return list(answer["Items"])


def test_flush_stores_readings_in_dynamodb_and_dead_letters_what_the_function_refuses(
    tmp_path: Path, devstack: dict[str, Any]
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
