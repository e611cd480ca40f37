"""Devices through a real `make dev`: a Pi set up only from `thermostat device add`'s files
stores readings and cannot speak for another device; rotating its key loses no reading."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from requests_aws4auth import AWS4Auth

from lambda_dataplane import children
from tests.e2e.devstack_process import Devstack, table_items
from tests.support.pi_process import pi_command, pi_status, start_pi
from thermostat.items import READING_PREFIX

pytestmark = pytest.mark.e2e
BIN = Path(sys.executable).parent


def thermostat(devstack: Devstack, *argv: str) -> subprocess.CompletedProcess[str]:
    """The `thermostat` command as a user runs it beside make dev (no options needed)."""
    return subprocess.run(
        [str(BIN / "thermostat"), *argv],
        cwd=devstack.state_dir.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def add_device(devstack: Devstack, name: str, folder: Path) -> Path:
    """`device add NAME --output FOLDER`, plus what only this test machine needs: where the
    spool lives (not /var/lib) and a fast simulated loop."""
    added = thermostat(devstack, "device", "add", name, "--output", str(folder))
    assert added.returncode == 0, added.stderr
    config = folder / "config.toml"
    local = f'spool_path = "{folder / "spool.db"}"\ninterval_seconds = 0.5\nmin_cycle_seconds = 0\n'
    config.write_text(local + config.read_text())
    return config


def stop(pi: subprocess.Popen[bytes]) -> None:
    assert children.stop(pi, grace=30) == 0


def readings_of(endpoints: dict[str, Any], device: str) -> int:
    return sum(
        1 for item in table_items(endpoints, device) if item["sk"]["S"].startswith(READING_PREFIX)
    )


def test_a_pi_set_up_from_device_add_stores_readings_and_only_its_own(
    start_devstack: Callable[..., Devstack], tmp_path: Path
) -> None:
    """The files device add wrote are all the Pi needs; its key sending for another is 403."""
    devstack = start_devstack("--no-pi")
    endpoints = devstack.ready()
    config = add_device(devstack, "kitchen", tmp_path / "kitchen")
    pi = start_pi(config)
    try:
        devstack.next_line("reading  kitchen", timeout=60)
    finally:
        stop(pi)
    keys = tomllib.loads((tmp_path / "kitchen" / "keys.toml").read_text())
    auth = AWS4Auth(keys["access_key_id"], keys["secret_access_key"], endpoints["region"], "lambda")
    reading = {
        "device_id": "living-room",
        "recorded_at": "2026-11-29T10:00:00Z",
        "temperature_c": 20.5,
        "setpoint_c": 21.0,
        "heating": False,
    }
    reply = requests.post(endpoints["ingest_url"], json=reading, auth=auth, timeout=30)
    assert reply.status_code == 403
    assert reply.json()["error"] == "device_mismatch"
    assert table_items(endpoints, "living-room") == []


def test_rotating_the_key_of_a_running_pi_loses_no_reading(
    start_devstack: Callable[..., Devstack], tmp_path: Path
) -> None:
    """rotate-key --output over the Pi's keys.toml: the Pi signs with the new key at its next
    upload, the old key is deactivated, and every reading it took is in the table once."""
    devstack = start_devstack("--no-pi")
    endpoints = devstack.ready()
    folder = tmp_path / "hall"
    config = add_device(devstack, "hall", folder)
    old_key = tomllib.loads((folder / "keys.toml").read_text())["access_key_id"]
    pi = start_pi(config)
    try:
        devstack.next_line("reading  hall", timeout=60)
        rotated = thermostat(
            devstack, "device", "rotate-key", "hall", "--output", str(folder), "--timeout", "1"
        )
        assert rotated.returncode == 0, rotated.stderr
        assert f"deactivated {old_key}" in rotated.stderr
        devstack.next_line("reading  hall", timeout=30)  # still sending, with the new key
    finally:
        stop(pi)
    flushed = pi_command(config, "flush", timeout=120, check=False)
    assert flushed.returncode == 0, flushed.stdout + flushed.stderr
    status = pi_status(config)
    assert re.match(r"0\b", status["queued"]), status
    assert status["dead letters"] == "0"
    assert readings_of(endpoints, "hall") == int(status["sent"])
