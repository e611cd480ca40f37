"""The real ``thermostat-pi`` command in tests: its simulated service, and its status and flush
commands as a person runs them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PI = Path(sys.executable).with_name("thermostat-pi")


def start_pi(config: Path, *extra: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    """``thermostat-pi run --simulate`` with ``config``; its output appended to ``log``
    (by default ``pi.log`` beside the config)."""
    with (log or config.with_name("pi.log")).open("ab") as sink:  # the child keeps its copy
        return subprocess.Popen(
            [str(PI), "--config", str(config), "run", "--simulate", *extra],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )


def pi_command(
    config: Path, *argv: str, timeout: float = 60, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """``thermostat-pi --config CONFIG ARGV...`` to its end, its output captured as text."""
    return subprocess.run(
        [str(PI), "--config", str(config), *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


def pi_status(config: Path) -> dict[str, str]:
    """``thermostat-pi status`` as a person reads it: {"queued": "3 on disk", "sent": "12", ...}
    (the labelled lines; indented continuation lines are left out)."""
    lines = pi_command(config, "status").stdout.splitlines()
    return {
        key.strip(): value.strip()
        for key, value in (line.split(":", 1) for line in lines if ":" in line)
        if not key.startswith(" ")
    }


def queued(config: Path) -> int:
    """How many readings the Pi still holds to send (``queued: 3 on disk``)."""
    found = re.match(r"\d+", pi_status(config).get("queued", "0"))
    return int(found.group()) if found else 0
