"""One ``make dev`` per state directory (per checkout): an exclusive flock on a lock file.

The kernel drops the lock when its holder exits in any way, SIGKILL included, so there is no
stale lock to clean up; the file's content only says who holds it. Children are started with
close_fds (subprocess's default), so none of them keeps the lock alive after us.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from pathlib import Path
from typing import IO, Any

from devstack.errors import DevstackError

LOCK_NAME = "devstack.lock"


class AlreadyRunningError(DevstackError, RuntimeError):
    """Another make dev holds this state directory."""


class StackLock:
    """Take with :meth:`acquire`; :meth:`describe` records the addresses once known."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / LOCK_NAME
        self._file: IO[str] | None = None
        self.previous: dict[str, Any] = {}
        self._details: dict[str, Any] = {}

    def acquire(self, **details: Any) -> None:
        """Hold the lock or raise AlreadyRunningError naming the holder; touches nothing else."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # "a", not "w": opening must not truncate the holder's description before we know.
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise AlreadyRunningError(self._holder()) from None
        self._file = handle
        handle.seek(0)
        try:  # what a make dev killed without a chance to clean up said about itself
            self.previous = json.loads(handle.read() or "{}")
        except ValueError:
            self.previous = {}
        self.describe(**details)

    def describe(self, **details: Any) -> None:
        """Update the holder's description (pid, addresses, children) in the lock file."""
        assert self._file is not None
        self._details = {**self._details, "pid": os.getpid(), **details}
        self._file.seek(0)
        self._file.truncate()
        json.dump(self._details, self._file)
        self._file.flush()

    def release(self) -> None:
        """Drop the lock. The file stays: unlinking it would let a starter that opened the
        old file and one that creates a new one both "hold" the lock."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.truncate(0)
            self._file.close()  # closing drops the flock
            self._file = None

    def _holder(self) -> str:
        where = self.path.parent
        # The holder writes its description right after taking the lock: give it a moment.
        for _ in range(20):
            try:
                info = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                time.sleep(0.05)
                continue
            addresses = ", ".join(
                f"{name} {info[key]}"
                for name, key in (("AWS APIs", "aws"), ("Function URL", "function_url"))
                if info.get(key)
            )
            return f"make dev is already running for {where} (pid {info.get('pid')}: {addresses})"
        return f"make dev is already running for {where} (see {self.path})"
