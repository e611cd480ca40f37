"""What a killed ``make dev`` may leave behind, and how the next start clears it.

Children die with make dev (lambda_dataplane.children: PR_SET_PDEATHSIG), but a process
asked to stop takes a moment, and an unexpected platform may not have the signal at all.
The lock file names the long-lived children (moto_server, the Pi); a start that finds them
still running ends them, after checking that each pid is still the program named there.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def command_line(pid: int) -> str | None:
    """The process's command line, or None if it is gone (or not ours to read)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.replace(b"\0", b" ").decode("utf-8", "replace") or None


def _alive(pid: int, marker: str) -> bool:
    line = command_line(pid)
    return line is not None and marker in line


def end_leftovers(previous: Mapping[str, Any], *, timeout: float = 5.0) -> list[int]:
    """SIGTERM, then SIGKILL, each recorded child still running its recorded command."""
    children: Iterable[Mapping[str, Any]] = previous.get("children") or []
    found = [
        (int(child["pid"]), str(child["marker"]))
        for child in children
        if _alive(int(child["pid"]), str(child["marker"]))
    ]
    for pid, _ in found:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_alive(pid, marker) for pid, marker in found):
        time.sleep(0.05)
    for pid, marker in found:
        if _alive(pid, marker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    return [pid for pid, _ in found]
