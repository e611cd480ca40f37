"""Waiting in the foreground: until Ctrl-C/SIGTERM, or until the stack cannot go on."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType


def wait_for_stop(failure: Callable[[], str | None], *, interval: float = 0.2) -> str | None:
    """Block until SIGINT or SIGTERM (None) or until `failure()` gives a reason (returned)."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(interval):
            reason = failure()
            if reason is not None:
                return reason
        return None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def signals_ignored() -> Iterator[None]:
    """While stopping: a second Ctrl-C must not cut the orderly stop short with a traceback
    (SIGKILL still works, and the children die with us then)."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
