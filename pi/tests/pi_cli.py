"""Running the real `thermostat-pi` command in tests: its config, its processes, waiting for
them, stopping them, and its `status` output."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from thermostat_pi.cli import main

CLI = [sys.executable, "-m", "thermostat_pi.cli"]


def write_config(tmp_path: Path, url: str, **extra: object) -> Path:
    extra.setdefault("spool_path", f'"{tmp_path / "spool.db"}"')
    lines = [
        'device_id = "pi-proc"',
        *(f"{key} = {value}" for key, value in extra.items()),
        "[endpoint]",
        f'url = "{url}"',
        'auth = "NONE"',
    ]
    path = tmp_path / "pi.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def spawn(
    started: list[subprocess.Popen[bytes]], *args: str, log: Path | None = None, **popen: Any
) -> subprocess.Popen[bytes]:
    """Start ``thermostat-pi *args``; with ``log``, stderr goes to that file (a pipe nobody
    reads would block a chatty process once full)."""
    if log is None:
        err: Any = subprocess.PIPE
    else:
        err = log.open("ab")
    process = subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=err, **popen)
    started.append(process)
    return process


def wait_for(
    condition: Callable[[], object],
    what: str,
    child: subprocess.Popen[bytes] | None = None,
    *,
    timeout: float = 20,
    poll_s: float = 0.02,
) -> None:
    """Until ``condition()`` holds; fails naming ``what`` on timeout, or at once if ``child``
    exits first."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert child is None or child.poll() is None, f"exited {child.returncode} before {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(poll_s)


def stop(child: subprocess.Popen[bytes], log: Path | None = None) -> str:
    """SIGTERM, as systemd stops the service: it must exit 0. What it logged (``log``, or its
    stderr pipe)."""
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=20)
    logged = log.read_text() if log is not None else (stderr or b"").decode()
    assert child.returncode == 0, logged
    return logged


def assert_shows(out: str, *expected: str) -> None:
    """Each of ``expected`` is in ``out``; a failure names all that are missing, and shows
    ``out``."""
    missing = [text for text in expected if text not in out]
    assert not missing, f"missing {missing} in:\n{out}"


def status(config: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """What `thermostat-pi status` prints (it must exit 0)."""
    assert main(["--config", str(config), "status"]) == 0
    return capsys.readouterr().out
