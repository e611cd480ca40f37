"""Running the real `thermostat-pi` command in tests: its config and its processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

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
