"""A durable local queue of readings in SQLite: written before any send, deleted on 200.

Durability: WAL journal with ``synchronous=FULL``. In WAL mode ``NORMAL`` skips the fsync
at commit, so a power cut can roll back the last few commits: readings the control loop
believed were safe. ``FULL`` fsyncs the WAL at every commit; at one reading a minute that
is one small write per minute, nothing for an SD card.
https://www.sqlite.org/pragma.html#pragma_synchronous

When full (``max_rows``) the *oldest* readings are dropped and counted in ``dropped``:
after a long outage the newest readings (the current temperature, what alerts use) are the
ones worth keeping, and a thermostat must keep recording rather than refuse new data.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from thermostat.contract import Reading, format_timestamp
from thermostat_pi.errors import SpoolError

DEFAULT_MAX_ROWS = 100_000  # about 70 days at one reading a minute, 16 MB on disk

_SCHEMA = """
CREATE TABLE IF NOT EXISTS readings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: ids never reused, so order holds
    body TEXT NOT NULL,
    spooled_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    reason TEXT NOT NULL,
    dead_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Spooled:
    id: int
    body: dict[str, Any]


@dataclass(frozen=True)
class DeadLetter:
    id: int
    body: dict[str, Any]
    reason: str
    dead_at: str


@dataclass(frozen=True)
class SpoolStatus:
    depth: int
    oldest_spooled_at: str | None
    last_ack_at: str | None
    acked: int
    dropped: int
    dead_lettered: int  # ever; the table itself keeps the newest max_rows
    relay_on: bool | None
    relay_changed_at: str | None
    last_error: str | None


def _now() -> str:
    return format_timestamp(datetime.now(UTC))


class Spool:
    """The queue; safe to share between the control thread and the uploader thread."""

    def __init__(self, path: Path | str, *, max_rows: int = DEFAULT_MAX_ROWS) -> None:
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        self.path = Path(path)
        self.max_rows = max_rows
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE.
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA busy_timeout = 5000")  # `status` may read meanwhile
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as err:
            raise SpoolError(f"cannot open spool {self.path}: {err}") from err

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as err:
                raise SpoolError(f"spool {self.path}: {err}") from err

    def _get(self, db: sqlite3.Connection, key: str) -> str | None:
        row = db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set(self, db: sqlite3.Connection, key: str, value: str) -> None:
        db.execute("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, value))

    def _add(self, db: sqlite3.Connection, key: str, amount: int) -> None:
        self._set(db, key, str(int(self._get(db, key) or 0) + amount))

    def append(self, reading: Reading) -> int:
        """Store a reading durably (committed and fsynced) and return its queue id."""
        body = json.dumps(reading.to_wire(), separators=(",", ":"))
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO readings (body, spooled_at) VALUES (?, ?)", (body, _now())
            )
            depth = db.execute("SELECT count(*) FROM readings").fetchone()[0]
            if depth > self.max_rows:
                excess = depth - self.max_rows
                db.execute(
                    "DELETE FROM readings WHERE id IN"
                    " (SELECT id FROM readings ORDER BY id LIMIT ?)",
                    (excess,),
                )
                self._add(db, "dropped", excess)
            return int(cursor.lastrowid or 0)

    def peek(self, limit: int) -> list[Spooled]:
        """The oldest ``limit`` readings, oldest first; they stay queued until acked."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, body FROM readings ORDER BY id LIMIT ?", (limit,)
            ).fetchall()
        return [Spooled(id=row[0], body=json.loads(row[1])) for row in rows]

    def ack(self, ids: Iterable[int]) -> None:
        """Delete readings the ingest function acknowledged."""
        ids = list(ids)
        with self._transaction() as db:
            db.executemany("DELETE FROM readings WHERE id = ?", [(i,) for i in ids])
            self._add(db, "acked", len(ids))
            self._set(db, "last_ack_at", _now())
            db.execute("DELETE FROM state WHERE key IN ('last_error', 'last_error_at')")

    def dead_letter(self, rejected: dict[int, str]) -> None:
        """Move readings the server refused (id -> server's reason) out of the queue."""
        with self._transaction() as db:
            for reading_id, reason in rejected.items():
                db.execute(
                    "INSERT OR REPLACE INTO dead_letters (id, body, reason, dead_at)"
                    " SELECT id, body, ?, ? FROM readings WHERE id = ?",
                    (reason, _now(), reading_id),
                )
                db.execute("DELETE FROM readings WHERE id = ?", (reading_id,))
            self._add(db, "dead_lettered", len(rejected))
            # Bounded too: a Pi with a wrong clock would have every reading refused.
            db.execute(
                "DELETE FROM dead_letters WHERE id NOT IN"
                " (SELECT id FROM dead_letters ORDER BY id DESC LIMIT ?)",
                (self.max_rows,),
            )

    def dead_letters(self) -> list[DeadLetter]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, body, reason, dead_at FROM dead_letters ORDER BY id"
            ).fetchall()
        return [DeadLetter(r[0], json.loads(r[1]), r[2], r[3]) for r in rows]

    def record_error(self, message: str) -> None:
        """Remember why the last send failed, for `thermostat-pi status`."""
        with self._transaction() as db:
            self._set(db, "last_error", message)
            self._set(db, "last_error_at", _now())

    def record_relay(self, on: bool) -> None:
        """Remember the relay state, so `status` can report it from another process."""
        with self._transaction() as db:
            if self._get(db, "relay_on") != str(int(on)):
                self._set(db, "relay_on", str(int(on)))
                self._set(db, "relay_changed_at", _now())

    def status(self) -> SpoolStatus:
        with self._lock:
            db = self._db
            depth, oldest = db.execute("SELECT count(*), min(spooled_at) FROM readings").fetchone()
            state = dict(db.execute("SELECT key, value FROM state").fetchall())
        relay = state.get("relay_on")
        error = state.get("last_error")
        return SpoolStatus(
            depth=depth,
            oldest_spooled_at=oldest,
            last_ack_at=state.get("last_ack_at"),
            acked=int(state.get("acked", 0)),
            dropped=int(state.get("dropped", 0)),
            dead_lettered=int(state.get("dead_lettered", 0)),
            relay_on=None if relay is None else relay == "1",
            relay_changed_at=state.get("relay_changed_at"),
            last_error=None if error is None else f"{error} (at {state.get('last_error_at')})",
        )
