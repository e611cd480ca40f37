"""One make dev per state directory: the flock and what it says about its holder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devstack.lock import AlreadyRunningError, StackLock


def test_second_lock_names_the_holder(tmp_path: Path) -> None:
    """While one holds the lock, another acquire fails naming its pid and addresses."""
    first = StackLock(tmp_path)
    first.acquire(aws="http://127.0.0.1:4566")
    first.describe(function_url="http://127.0.0.1:4577/")
    try:
        with pytest.raises(AlreadyRunningError) as raised:
            StackLock(tmp_path).acquire(aws="http://127.0.0.1:9999")
    finally:
        first.release()
    assert str(raised.value) == (
        f"make dev is already running for {tmp_path} (pid {os.getpid()}: "
        "AWS APIs http://127.0.0.1:4566, Function URL http://127.0.0.1:4577/)"
    )


def test_a_failed_acquire_does_not_change_the_lock_file(tmp_path: Path) -> None:
    """The refused starter leaves the holder's description as it was."""
    first = StackLock(tmp_path)
    first.acquire(aws="http://127.0.0.1:4566")
    before = first.path.read_bytes()
    with pytest.raises(AlreadyRunningError):
        StackLock(tmp_path).acquire(aws="http://127.0.0.1:1")
    assert first.path.read_bytes() == before
    first.release()


def test_released_lock_can_be_taken_and_shows_what_the_last_holder_left(tmp_path: Path) -> None:
    """After release the next acquire succeeds; after a crash (no release) `previous` tells
    the next holder which children it had."""
    crashed = StackLock(tmp_path)
    crashed.acquire(aws="a", children=[{"pid": 1, "marker": "x"}])
    crashed._file.close()  # type: ignore[union-attr]  # the kernel's release at process death
    nxt = StackLock(tmp_path)
    nxt.acquire(aws="b")
    assert nxt.previous["children"] == [{"pid": 1, "marker": "x"}]
    nxt.release()
    again = StackLock(tmp_path)
    again.acquire(aws="c")
    assert again.previous == {}
    again.release()
