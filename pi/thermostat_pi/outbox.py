"""What the uploader sends from: the spool on disk, or memory while the disk cannot be used.

Heating comes first: a damaged spool file, a read-only or full SD card must never stop the
control loop. Whatever the disk does, :class:`Outbox` never raises :class:`SpoolError`:
while the spool is unusable readings wait in a bounded :class:`MemoryBuffer` (and are sent
from there), the spool is tried again every ``retry_s``, and once it works the buffer is
written into it. A damaged file is moved aside, never deleted (see ``spool_recovery``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from thermostat.contract import Reading
from thermostat_pi.errors import SpoolError
from thermostat_pi.memory_buffer import DEFAULT_MEMORY_ROWS, MemoryBuffer
from thermostat_pi.spool import DEFAULT_MAX_ROWS, Spool, Spooled, now_text
from thermostat_pi.spool_recovery import open_spool

log = logging.getLogger(__name__)
DEFAULT_RETRY_S = 60.0
NOTES_HELD = 20  # faults and clock steps waiting for the spool to come back


class Outbox:
    """Thread-safe; shared by the control loop (append) and the uploader (peek, ack)."""

    def __init__(
        self,
        path: Path | str,
        *,
        max_rows: int = DEFAULT_MAX_ROWS,
        memory_rows: int = DEFAULT_MEMORY_ROWS,
        retry_s: float = DEFAULT_RETRY_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self.max_rows = max_rows
        self.retry_s = retry_s
        self._monotonic = monotonic
        self._lock = threading.RLock()
        self._spool: Spool | None = None
        self._memory = MemoryBuffer(memory_rows)
        self._notes: list[tuple[str, str, str]] = []  # (kind, message, at) not yet on disk
        self.fault: str | None = None
        self.fault_since: str | None = None
        self._next_try = 0.0
        # Mirrors of what the spool records, for the live status while the spool is down.
        self.relay_on: bool | None = None
        self.relay_changed_at: str | None = None
        self.last_error: str | None = None
        with self._lock:
            self._open()

    @property
    def degraded(self) -> bool:
        return self._spool is None

    def _open(self) -> None:
        try:
            opened = open_spool(self.path, max_rows=self.max_rows)
        except SpoolError as err:
            self._degrade(err)
            return
        try:
            if opened.note:
                self._remember("fault", opened.note)
            self._flush_memory(opened.spool)
        except SpoolError as err:
            opened.spool.close()
            self._degrade(err)
            return
        if self.fault is not None:
            log.warning("spool %s usable again (unusable since %s)", self.path, self.fault_since)
        self._spool, self.fault, self.fault_since = opened.spool, None, None

    def _flush_memory(self, spool: Spool) -> None:
        texts, dead, acked, dropped = self._memory.contents()
        if dropped:
            self._remember("fault", f"{dropped} readings dropped: the memory buffer was full")
        ids = spool.append_texts([*(text for text, _ in dead), *texts]) if texts or dead else []
        if dead:
            spool.dead_letter({ids[i]: reason for i, (_, reason) in enumerate(dead)})
        if acked:
            spool.ack([], count=acked)
        for kind, message, at in self._notes:
            spool.note(kind, message, at=at)
        if self.relay_on is not None:
            spool.record_relay(self.relay_on)
        self._memory.clear()
        self._notes.clear()
        if texts:
            log.warning("wrote %d readings held in memory to the spool", len(texts))

    def _remember(self, kind: str, message: str, at: str | None = None) -> None:
        self._notes.append((kind, message, at or now_text()))
        del self._notes[:-NOTES_HELD]

    def _degrade(self, err: SpoolError) -> None:
        if self._spool is not None:
            self._spool.close()
            self._spool = None
        reason = str(err)
        if self.fault != reason:
            log.error(
                "spool unusable, readings kept in memory (up to %d) and the spool retried"
                " every %.0f s: %s",
                self._memory.max_rows,
                self.retry_s,
                reason,
            )
            self._remember("fault", f"spool unusable: {reason}")
        if self.fault is None:
            self.fault_since = now_text()
        self.fault = reason
        self._next_try = self._monotonic() + self.retry_s

    def _on_disk(self, action: Callable[[Spool], Any]) -> bool:
        """Run ``action`` on the spool if it is usable; False if it is not (or just failed)."""
        if self._spool is None:
            return False
        try:
            action(self._spool)
        except SpoolError as err:
            self._degrade(err)
            return False
        return True

    def maintain(self) -> None:
        """Try the spool again if it is down and the retry is due."""
        with self._lock:
            if self._spool is None and self._monotonic() >= self._next_try:
                self._open()

    def append(self, reading: Reading) -> None:
        """Queue a reading: on disk (committed, fsynced) or, if the disk fails, in memory."""
        text = json.dumps(reading.to_wire(), separators=(",", ":"))
        with self._lock:
            self.maintain()
            if not self._on_disk(lambda spool: spool.append_texts([text])):
                before = self._memory.dropped
                self._memory.append(text)
                if self._memory.dropped > before:
                    log.warning("memory buffer full: the oldest reading in memory was dropped")

    def peek(self, limit: int) -> list[Spooled]:
        with self._lock:
            found: list[Spooled] = []
            if self._on_disk(lambda spool: found.extend(spool.peek(limit))) and found:
                return found
            return self._memory.peek(limit)

    def ack(self, ids: Iterable[int]) -> None:
        """Forget acknowledged readings (an ack for a spool that failed since is dropped:
        the reading is sent again later, and the ingest function stores it once)."""
        ids = list(ids)
        with self._lock:
            if ids:
                self.last_error = None  # as the spool forgets it: something got through
            self._memory.ack([i for i in ids if i < 0], now_text())
            on_disk = [i for i in ids if i > 0]
            if on_disk:
                self._on_disk(lambda spool: spool.ack(on_disk))

    def dead_letter(self, rejected: dict[int, str]) -> None:
        with self._lock:
            self._memory.dead_letter({i: r for i, r in rejected.items() if i < 0})
            on_disk = {i: r for i, r in rejected.items() if i > 0}
            if on_disk:
                self._on_disk(lambda spool: spool.dead_letter(on_disk))

    def record_error(self, message: str) -> None:
        with self._lock:
            self.last_error = f"{message} (at {now_text()})"
            self._on_disk(lambda spool: spool.record_error(message))

    def record_relay(self, on: bool) -> None:
        with self._lock:
            if self.relay_on != on:
                self.relay_on, self.relay_changed_at = on, now_text()
            self._on_disk(lambda spool: spool.record_relay(on))

    def note(self, kind: str, message: str) -> None:
        """A fault or clock step worth showing in `status`; kept until the spool can hold it."""
        with self._lock:
            at = now_text()
            if not self._on_disk(lambda spool: spool.note(kind, message, at=at)):
                self._remember(kind, message, at)

    def snapshot(self) -> dict[str, Any]:
        """What the live status file shows: the spool's health and what memory holds."""
        with self._lock:
            return {
                "spool": "degraded" if self._spool is None else "ok",
                "fault": self.fault,
                "fault_since": self.fault_since,
                "memory_queued": len(self._memory),
                "memory_dropped": self._memory.dropped,
                "memory_last_ack_at": self._memory.last_ack_at,
                "relay_on": self.relay_on,
                "relay_changed_at": self.relay_changed_at,
                "last_error": self.last_error,
                "notes": [{"kind": k, "message": m, "at": at} for k, m, at in self._notes],
            }

    def close(self) -> None:
        with self._lock:
            if self._spool is not None:
                self._spool.close()
                self._spool = None
