"""Helpers for the `thermostat` command tests: the contract's table, seeding, runners."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devstack.demo import create_table, simulate_day, status_item, stored_items, write_items
from tests.support.readings import reading_at
from thermostat.contract import Reading
from thermostat_cli.main import main

TABLE = "thermostat-test"
REGION = "eu-west-1"
DAY = date(2025, 12, 1)
CALLER = "arn:aws:sts::123456789012:assumed-role/thermostat-pi/living-room"
CONSOLE_SCRIPT = Path(sys.executable).with_name("thermostat")

# Settings that could point the command somewhere else than the test's emulator.
_AWS_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "THERMOSTAT_TABLE",
    "TZ",
)


def create_contract_table(client: Any, name: str = TABLE) -> None:
    """The key schema and sparse status index exactly as the template states them."""
    create_table(client, name)


def put_items(client: Any, items: list[dict[str, Any]], table: str = TABLE) -> None:
    write_items(client, table, items)


def stored_day(
    device_id: str, interval: timedelta, *, day: date = DAY, seed: int = 1
) -> tuple[list[Reading], list[dict[str, Any]]]:
    """A simulated UTC day as the functions would have stored it: readings, rollups, status."""
    readings = simulate_day(device_id, day, UTC, interval=interval, seed=seed)
    return readings, stored_items(readings, retention_days=365, caller=CALLER)


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(*argv: str, out: io.StringIO | None = None, err: io.StringIO | None = None) -> Result:
    """Run `thermostat ARGV` in-process against the table; capture both streams."""
    out = out or io.StringIO()
    err = err or io.StringIO()
    code = main(["--table", TABLE, *argv], out=out, err=err)
    return Result(code, out.getvalue(), err.getvalue())


def configure_env(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Fake credentials, one region, no stray endpoint; cwd without a .devstack folder."""
    for name in _AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(folder / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "no-credentials"))
    monkeypatch.chdir(folder)


def status_seen(device_id: str, seen_ago: timedelta, temperature: float = 20.5) -> dict[str, Any]:
    """A status item for a device last heard from ``seen_ago`` before now."""
    seen = datetime.now(UTC) - seen_ago
    at = seen - timedelta(seconds=1)
    reading = reading_at(
        at, device=device_id, temperature_c=temperature, setpoint_c=21.0, heating=True
    )
    return status_item(reading, seen_at=seen).to_item()


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def run_console_script(
    *argv: str, env: dict[str, str], cwd: Path, timeout: float = 30, script: str = "thermostat"
) -> subprocess.CompletedProcess[str]:
    """An installed entry point (default `thermostat`) as a separate process."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base.pop("THERMOSTAT_TABLE", None)
    return subprocess.run(
        [str(CONSOLE_SCRIPT.with_name(script)), *argv],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
