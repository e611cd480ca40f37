"""Waiting for SIGINT or SIGTERM in a foreground command (the data plane, ``make dev``)."""

from __future__ import annotations

import signal
import threading
from types import FrameType


def wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM (the main thread only)."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
