"""The endpoint: keys from a private keys file, and a local stack that moves found again."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from ingest_fake import IngestServer
from pi_cli import CLI, spawn
from pi_fakes import local_stack

from thermostat.endpoints import Endpoints
from thermostat_pi.config import load_config
from thermostat_pi.endpoint import EndpointWatcher
from thermostat_pi.errors import ConfigError

KEYS = 'access_key_id = "AKIDFILE"\nsecret_access_key = "file-secret"\n'
IAM = '[endpoint]\nurl = "http://127.0.0.1:9/"\nregion = "eu-west-1"\nkeys_file = "keys.toml"\n'


def with_keys(tmp_path: Path, mode: int, text: str = KEYS) -> Path:
    keys = tmp_path / "keys.toml"
    keys.write_text(text)
    keys.chmod(mode)
    config = tmp_path / "pi.toml"
    config.write_text(f'device_id = "pi-keys"\nspool_path = "spool.db"\n{IAM}')
    return config


def stack(url: str, key: str) -> Endpoints:
    return local_stack(ingest_url=url, access_key_id=key, secret_access_key=f"{key}-secret")


@pytest.mark.parametrize("mode", [0o600, 0o400, 0o640, 0o440])
def test_a_private_keys_file_supplies_the_keys(tmp_path: Path, mode: int) -> None:
    """Owner-only, or owner and the service's group reading: the keys are used."""
    endpoint = load_config(with_keys(tmp_path, mode), env={}).endpoint_source.resolve()
    assert (endpoint.access_key_id, endpoint.secret_access_key) == ("AKIDFILE", "file-secret")


@pytest.mark.parametrize(
    ("mode", "what"),
    [(0o644, "readable by others"), (0o604, "readable by others"), (0o660, "open to others")],
)
def test_a_keys_file_others_can_read_or_change_is_refused(
    tmp_path: Path, mode: int, what: str
) -> None:
    """Any access for others, or group write: a ConfigError naming the file, mode and fix."""
    config = load_config(with_keys(tmp_path, mode), env={})
    with pytest.raises(ConfigError, match=rf"keys.toml is {what} \(mode 0{mode:o}\): run chmod"):
        config.endpoint_source.resolve()


@pytest.mark.parametrize(
    ("text", "message"),
    [("access_key = 'x'\n", "unknown key"), ("access_key_id = 1\n", "string"), ("=", "keys_file")],
)
def test_a_broken_keys_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    """Unknown names, non-strings and bad TOML name the keys file."""
    config = load_config(with_keys(tmp_path, 0o600, text), env={})
    with pytest.raises(ConfigError, match=message):
        config.endpoint_source.resolve()


def test_environment_keys_win_over_the_keys_file(tmp_path: Path) -> None:
    """THERMOSTAT_PI_ENDPOINT_* keys override the keys file, as every other setting."""
    env = {"THERMOSTAT_PI_ENDPOINT_ACCESS_KEY_ID": "AKIDENV"}
    endpoint = load_config(with_keys(tmp_path, 0o600), env=env).endpoint_source.resolve()
    assert (endpoint.access_key_id, endpoint.secret_access_key) == ("AKIDENV", "file-secret")


def test_run_refuses_to_start_with_a_keys_file_readable_by_others(tmp_path: Path) -> None:
    """`thermostat-pi run`: exit 2 and one line on stderr, before any spool or relay."""
    config = with_keys(tmp_path, 0o644)
    result = subprocess.run(
        [*CLI, "--config", str(config), "run"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "GPIOZERO_PIN_FACTORY": "mock"},
    )
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line == (
        f"thermostat-pi: configuration error: keys_file {tmp_path / 'keys.toml'} is readable"
        f" by others (mode 0644): run chmod 600 {tmp_path / 'keys.toml'} (or 640 with the"
        " service's group) and start again"
    )
    assert not (tmp_path / "spool.db").exists()


def test_the_watcher_takes_up_a_rewritten_endpoints_file(tmp_path: Path) -> None:
    """A new url and keys are picked up; an unchanged or broken file changes nothing."""
    path = tmp_path / "endpoints.json"
    stack("http://127.0.0.1:1111/", "AKIDONE").write(path)
    config = tmp_path / "pi.toml"
    config.write_text('device_id = "p"\nendpoints_file = "endpoints.json"\n')
    source = load_config(config, env={}).endpoint_source
    watcher = EndpointWatcher(source, source.resolve())
    assert watcher.poll() is None
    stack("http://127.0.0.1:2222/", "AKIDTWO").write(path)
    moved = watcher.poll()
    assert moved is not None
    assert (moved.url, moved.access_key_id) == ("http://127.0.0.1:2222/", "AKIDTWO")
    assert watcher.poll() is None
    path.write_text("{half a file")
    assert watcher.poll() is None
    assert watcher.current.url == "http://127.0.0.1:2222/"


def test_readings_taken_while_the_stack_is_down_reach_it_where_it_comes_back(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    """A running Pi whose local stack stops and returns on another port with other keys:
    every reading arrives once, the later ones signed with the new keys, no restart."""
    endpoints = tmp_path / ".devstack" / "endpoints.json"
    first, second = IngestServer(), IngestServer()
    first.start()
    stack(first.url, "AKIDFIRST").write(endpoints)
    config = tmp_path / "pi.toml"
    config.write_text(
        'device_id = "pi-moves"\nspool_path = "spool.db"\ninterval_seconds = 0.05\n'
        'min_cycle_seconds = 0\nendpoints_file = ".devstack/endpoints.json"\n'
    )
    child = spawn(processes, "--config", str(config), "run", "--simulate", log=tmp_path / "err")
    try:
        wait(lambda: len(first.stored) >= 3, child)
        first.stop()
        endpoints.unlink()  # as `make dev` does when it stops
        wait(lambda: queued(tmp_path / "spool.db") >= 10, child)  # taken while it is down
        second.start()
        stack(second.url, "AKIDSECOND").write(endpoints)
        wait(lambda: len(second.stored) >= 12, child)
        child.send_signal(signal.SIGTERM)
        assert child.wait(20) == 0
    finally:
        first.stop()
        second.stop()
    assert spawn(processes, "--config", str(config), "flush").wait(30) == 0  # the last few
    with sqlite3.connect(tmp_path / "spool.db") as db:
        [(spooled,)] = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'readings'")
    recorded = [r["recorded_at"] for r in first.stored + second.stored]
    assert len(recorded) == spooled  # no gap
    assert recorded == sorted(set(recorded))  # no duplicate, in order
    signed = [r["headers"].get("Authorization", "") for r in second.requests]
    assert signed and all("Credential=AKIDSECOND/" in header for header in signed)


def queued(spool: Path) -> int:
    try:
        with sqlite3.connect(f"{spool.as_uri()}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT count(*) FROM readings").fetchone()[0])
    except sqlite3.Error:
        return 0


def wait(
    condition: Callable[[], bool], child: subprocess.Popen[bytes], timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert child.poll() is None, f"thermostat-pi exited {child.returncode}"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
