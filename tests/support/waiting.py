"""Waiting in tests for what another thread or process does: a probe polled to a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    probe: Callable[[], T | None],
    *,
    timeout: float = 5.0,
    interval: float = 0.02,
    what: str | None = None,
) -> T:
    """Poll ``probe`` until it returns something truthy, and return that; fail the test after
    ``timeout`` seconds, naming ``what`` was awaited (by default, the probe)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what or repr(probe)}: nothing after {timeout} s")
        time.sleep(interval)
