"""A durable local queue of readings in SQLite: written before any send, deleted on 200.

Durability: WAL journal with ``synchronous=FULL``. In WAL mode ``NORMAL`` skips the fsync
at commit, so a power cut can roll back the last few commits: readings the control loop
believed were safe. ``FULL`` fsyncs the WAL at every commit; at one reading a minute that
is one small write per minute, nothing for an SD card.
https://www.sqlite.org/pragma.html#pragma_synchronous

When full (``max_rows``) the *oldest* readings are dropped and counted in ``dropped``:
after a long outage the newest readings (the current temperature, what alerts use) are the
ones worth keeping, and a thermostat must keep recording rather than refuse new data.

Rows are kept as the text that was written: one unreadable row must not stop the queue, so
parsing is the uploader's business (it dead-letters what it cannot send).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from thermostat.contract import Reading, format_timestamp
from thermostat_pi.errors import SpoolCorrupt, SpoolError

DEFAULT_MAX_ROWS = 100_000  # about 70 days at one reading a minute, 16 MB on disk
NOTES_KEPT = 10  # per kind (faults, clock steps), for `thermostat-pi status`
# https://www.sqlite.org/rescode.html: SQLITE_CORRUPT, SQLITE_NOTADB.
_CORRUPT_CODES = {11, 26}

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


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Row:
    """A reading as the spool keeps it: its row id and the JSON text as written."""

    id: int
    text: str

    @property
    def body(self) -> Any:
        """The parsed JSON, or None if the row is not JSON."""
        return _parse(self.text)


@dataclass(frozen=True)
class Spooled(_Row):
    """A queued reading as written: ``id`` orders the queue (negative: held in memory)."""


@dataclass(frozen=True)
class DeadLetter(_Row):
    """A reading set aside for good: why, and when."""

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
    faults: list[str]  # the last few, newest last, each "<time> <what>"
    fault_count: int
    clock_steps: list[str]
    clock_step_count: int


def now_text() -> str:
    return format_timestamp(datetime.now(UTC))


def _text(value: Any) -> str:
    # A row written by something else may hold a BLOB: keep every byte readable.
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def spool_error(path: Path, err: BaseException, doing: str) -> SpoolError:
    """SpoolCorrupt when SQLite says the file is damaged, SpoolError otherwise."""
    code = getattr(err, "sqlite_errorcode", None)
    corrupt = isinstance(code, int) and code & 0xFF in _CORRUPT_CODES
    kind = SpoolCorrupt if corrupt else SpoolError
    return kind(f"spool {path}: cannot {doing}: {err}")


class Spool:
    """The queue on disk; safe to share between the control and the uploader threads.

    ``read_only`` opens an existing file without creating or changing anything (the
    ``status`` command: it may run as another user, or while the card is read-only).
    """

    def __init__(
        self, path: Path | str, *, max_rows: int = DEFAULT_MAX_ROWS, read_only: bool = False
    ) -> None:
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        self.path = Path(path)
        self.max_rows = max_rows
        self._lock = threading.Lock()
        db: sqlite3.Connection | None = None
        try:
            if read_only:
                # Without a WAL to read, immutable: SQLite then creates no -wal/-shm files,
                # which, made by root running `status`, would lock the service out.
                live = all(Path(f"{self.path}{s}").exists() for s in ("-wal", "-shm"))
                uri = f"{self.path.resolve().as_uri()}?mode=ro" + ("" if live else "&immutable=1")
                db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
                db.execute("PRAGMA busy_timeout = 5000")
                db.execute("SELECT count(*) FROM readings").fetchone()
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # Autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE.
                db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                db.execute("PRAGMA busy_timeout = 5000")  # `status` may read meanwhile
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = FULL")
                db.executescript(_SCHEMA)
                # Reads every page once (~1 s for a full 16 MB spool on an SD card), so a
                # damaged file is found at start, not in the middle of a send.
                verdict = db.execute("PRAGMA quick_check(1)").fetchone()[0]
                if verdict != "ok":
                    raise SpoolCorrupt(f"spool {self.path} is damaged: {verdict}")
        except (OSError, sqlite3.Error, SpoolError) as err:
            if db is not None:
                with suppress(sqlite3.Error):
                    db.close()
            if isinstance(err, SpoolError):
                raise
            raise spool_error(self.path, err, "open") from err
        self._db = db

    def close(self) -> None:
        with self._lock, suppress(sqlite3.Error):
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
                raise spool_error(self.path, err, "write") from err

    def _read(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.Error as err:
                raise spool_error(self.path, err, "read") from err

    def _get(self, db: sqlite3.Connection, key: str) -> str | None:
        row = db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set(self, db: sqlite3.Connection, key: str, value: str) -> None:
        db.execute("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, value))

    def _add(self, db: sqlite3.Connection, key: str, amount: int) -> None:
        self._set(db, key, str(int(self._get(db, key) or 0) + amount))

    def append(self, reading: Reading) -> int:
        """Store a reading durably (committed and fsynced) and return its queue id."""
        return self.append_texts([json.dumps(reading.to_wire(), separators=(",", ":"))])[-1]

    def append_texts(self, texts: Sequence[str]) -> list[int]:
        """Queue readings already in wire form, in order, in one transaction; their ids."""
        ids: list[int] = []
        with self._transaction() as db:
            spooled_at = now_text()
            for text in texts:
                cursor = db.execute(
                    "INSERT INTO readings (body, spooled_at) VALUES (?, ?)", (text, spooled_at)
                )
                ids.append(int(cursor.lastrowid or 0))
            depth = db.execute("SELECT count(*) FROM readings").fetchone()[0]
            if depth > self.max_rows:
                excess = depth - self.max_rows
                db.execute(
                    "DELETE FROM readings WHERE id IN"
                    " (SELECT id FROM readings ORDER BY id LIMIT ?)",
                    (excess,),
                )
                self._add(db, "dropped", excess)
        return ids

    def peek(self, limit: int) -> list[Spooled]:
        """The oldest ``limit`` readings, oldest first; they stay queued until acked."""
        rows = self._read("SELECT id, body FROM readings ORDER BY id LIMIT ?", (limit,))
        return [Spooled(id=row[0], text=_text(row[1])) for row in rows]

    def ack(self, ids: Iterable[int], *, count: int | None = None) -> None:
        """Delete readings the ingest function acknowledged (``count``: acks to add)."""
        ids = list(ids)
        with self._transaction() as db:
            db.executemany("DELETE FROM readings WHERE id = ?", [(i,) for i in ids])
            self._add(db, "acked", len(ids) if count is None else count)
            self._set(db, "last_ack_at", now_text())
            db.execute("DELETE FROM state WHERE key IN ('last_error', 'last_error_at')")

    def dead_letter(self, rejected: dict[int, str]) -> None:
        """Move readings the server refused (id -> server's reason) out of the queue."""
        with self._transaction() as db:
            for reading_id, reason in rejected.items():
                db.execute(
                    "INSERT OR REPLACE INTO dead_letters (id, body, reason, dead_at)"
                    " SELECT id, body, ?, ? FROM readings WHERE id = ?",
                    (reason, now_text(), reading_id),
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
        rows = self._read("SELECT id, body, reason, dead_at FROM dead_letters ORDER BY id")
        return [DeadLetter(r[0], _text(r[1]), _text(r[2]), _text(r[3])) for r in rows]

    def record_error(self, message: str) -> None:
        """Remember why the last send failed, for `thermostat-pi status`."""
        with self._transaction() as db:
            self._set(db, "last_error", message)
            self._set(db, "last_error_at", now_text())

    def record_relay(self, on: bool) -> None:
        """Remember the relay state, so `status` can report it from another process."""
        with self._transaction() as db:
            if self._get(db, "relay_on") != str(int(on)):
                self._set(db, "relay_on", str(int(on)))
                self._set(db, "relay_changed_at", now_text())

    def note(self, kind: str, message: str, *, at: str | None = None) -> None:
        """Keep the last few notes of a kind ("fault", "clock_step") and count them."""
        with self._transaction() as db:
            notes = json.loads(self._get(db, f"{kind}s") or "[]")
            notes = [*notes, f"{at or now_text()} {message}"][-NOTES_KEPT:]
            self._set(db, f"{kind}s", json.dumps(notes))
            self._add(db, f"{kind}_count", 1)

    def status(self) -> SpoolStatus:
        [(depth, oldest)] = self._read("SELECT count(*), min(spooled_at) FROM readings")
        state = dict(self._read("SELECT key, value FROM state"))
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
            faults=list(json.loads(state.get("faults", "[]"))),
            fault_count=int(state.get("fault_count", 0)),
            clock_steps=list(json.loads(state.get("clock_steps", "[]"))),
            clock_step_count=int(state.get("clock_step_count", 0)),
        )
