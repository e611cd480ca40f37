"""Where readings wait while the spool on disk cannot be used: bounded, oldest dropped first.

Ids are negative so that an acknowledgement always finds its way back to where the reading
was held, even if the spool came back in between.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable

from thermostat_pi.spool import Spooled

DEFAULT_MEMORY_ROWS = 10_000  # a week at one reading a minute; about 3 MB


class MemoryBuffer:
    """Not thread-safe: the :class:`~thermostat_pi.outbox.Outbox` holds the lock."""

    def __init__(self, max_rows: int = DEFAULT_MEMORY_ROWS) -> None:
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        self.max_rows = max_rows
        self._rows: OrderedDict[int, str] = OrderedDict()
        self._next_id = -1
        self.dead: deque[tuple[str, str]] = deque(maxlen=max_rows)  # (text, reason)
        self.dropped = 0  # oldest readings pushed out because the buffer was full
        self.acked = 0
        self.last_ack_at: str | None = None

    def __len__(self) -> int:
        return len(self._rows)

    def append(self, text: str) -> int:
        reading_id, self._next_id = self._next_id, self._next_id - 1
        self._rows[reading_id] = text
        while len(self._rows) > self.max_rows:
            self._rows.popitem(last=False)
            self.dropped += 1
        return reading_id

    def peek(self, limit: int) -> list[Spooled]:
        batch: list[Spooled] = []
        for reading_id, text in self._rows.items():
            if len(batch) >= limit:
                break
            batch.append(Spooled(reading_id, text))
        return batch

    def ack(self, ids: Iterable[int], at: str) -> None:
        removed = sum(self._rows.pop(i, None) is not None for i in ids)
        self.acked += removed
        self.last_ack_at = at

    def dead_letter(self, rejected: dict[int, str]) -> None:
        for reading_id, reason in rejected.items():
            text = self._rows.pop(reading_id, None)
            if text is not None:
                self.dead.append((text, reason))

    def contents(self) -> tuple[list[str], list[tuple[str, str]], int, int]:
        """(queued texts, dead letters, acks counted, readings dropped), for the spool."""
        return list(self._rows.values()), list(self.dead), self.acked, self.dropped

    def clear(self) -> None:
        """Forget everything: the spool now holds it."""
        self._rows.clear()
        self.dead.clear()
        self.acked = self.dropped = 0
