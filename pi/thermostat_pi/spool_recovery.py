"""Open the spool, or move a damaged one aside (never delete it) and start a new one.

A damaged file (SQLite's SQLITE_CORRUPT or SQLITE_NOTADB, or a failed quick_check) is
renamed to ``<name>.corrupt-<UTC time>`` with its ``-wal`` and ``-shm`` files, so it can be
examined or repaired later (``sqlite3 <file> .recover``). What rows can still be read from
it are copied into the new spool, oldest first.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from thermostat_pi.errors import SpoolCorrupt
from thermostat_pi.spool import Spool

log = logging.getLogger(__name__)
# The WAL and shared-memory files go first: a new database must never replay the old WAL.
_COMPANIONS = ("-wal", "-shm", "")


@dataclass(frozen=True)
class Opened:
    spool: Spool
    note: str | None = None  # what was done to get there, for the log and `status`


def move_aside(path: Path) -> Path:
    """Rename the spool and its companion files out of the way; the new name."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    serial = 1
    while target.exists():
        serial += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{serial}")
    for suffix in _COMPANIONS:
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.rename(f"{target}{suffix}")
    return target


def salvage(damaged: Path) -> list[str]:
    """The reading rows still readable from a damaged spool, oldest first, until the damage."""
    texts: list[str] = []
    try:
        uri = f"{damaged.resolve().as_uri()}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True)) as db:
            for (body,) in db.execute("SELECT body FROM readings ORDER BY id"):
                texts.append(body.decode("utf-8", "replace") if isinstance(body, bytes) else body)
    except sqlite3.Error as err:
        log.warning("salvage of %s stopped after %d rows: %s", damaged, len(texts), err)
    return texts


def open_spool(path: Path, *, max_rows: int) -> Opened:
    """The spool at ``path``; a damaged one is moved aside first. Raises SpoolError if the
    disk cannot hold a spool at all (read-only, full, not a directory)."""
    try:
        return Opened(Spool(path, max_rows=max_rows))
    except SpoolCorrupt as err:
        log.error("%s; moving it aside", err)
        try:
            moved = move_aside(path)
        except OSError as move_err:
            raise SpoolCorrupt(f"{err}; cannot move it aside: {move_err}") from move_err
    spool = Spool(path, max_rows=max_rows)
    rescued = salvage(moved)
    if rescued:
        spool.append_texts(rescued)
    note = f"damaged spool moved to {moved.name}; {len(rescued)} queued readings rescued"
    log.error("%s", note)
    return Opened(spool, note)
