"""What ``make dev`` stored survives a restart: the table's own stream, journaled to disk.

Why not moto's recorder: it records every request (the stream pollers alone make ~20 a
second) and replays them all, CloudFormation included, at each start, so start-up grows
with history and replayed writes come out of the stream again as new records. Why not a
periodic scan: its cost grows with the table at every tick. The stream already carries each
change once (NEW_AND_OLD_IMAGES): appending those to a journal costs O(change), catches
every item whatever its kind (readings, rollups, status, settings, alerts) and loses at most
what was not yet read from the stream when the process died (a poll interval, ~0.2 s).

Files, in ``.devstack/data/<stack>/``: ``items.jsonl`` (a snapshot, one item a line) and
``journal.jsonl`` (changes since; a line cut short by a SIGKILL is skipped). A start loads
both, writes the items into the new table, rewrites the snapshot and empties the journal.
The stream is then followed from LATEST, so restored items are never journaled twice, and
make dev's stream mapping starts at LATEST too: the stream function never sees them as new.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
Item = dict[str, Any]  # an item as boto3's low-level client gives it (AttributeValue dicts)
_BATCH = 25  # BatchWriteItem's limit


def to_json(value: Any) -> Any:
    """AttributeValues as JSON: binary (B, BS) as base64 text, the rest unchanged."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


def from_json(value: Any) -> Any:
    """The inverse of :func:`to_json` (a "B" holding text, or "BS" a list of text, is binary)."""
    if isinstance(value, list):
        return [from_json(v) for v in value]
    if not isinstance(value, dict):
        return value
    decoded: dict[str, Any] = {}
    for kind, inner in value.items():
        if kind == "B" and isinstance(inner, str):
            decoded[kind] = base64.b64decode(inner)
        elif kind == "BS" and isinstance(inner, list) and all(isinstance(v, str) for v in inner):
            decoded[kind] = [base64.b64decode(v) for v in inner]
        else:
            decoded[kind] = from_json(inner)
    return decoded


def key_text(keys: Mapping[str, Any]) -> str:
    return json.dumps(to_json(dict(keys)), sort_keys=True, separators=(",", ":"))


class TableFiles:
    """The snapshot and the journal of one table."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.snapshot = directory / "items.jsonl"
        self.journal = directory / "journal.jsonl"

    def load(self) -> tuple[dict[str, Item], int]:
        """Items by key text, and how many unreadable lines were skipped."""
        items: dict[str, Item] = {}
        skipped = 0
        for path in (self.snapshot, self.journal):
            for change in _lines(path):
                if change is None or "key" not in change:
                    skipped += 1
                    continue
                key = key_text(from_json(change["key"]))
                if "item" in change:
                    items[key] = from_json(change["item"])
                else:
                    items.pop(key, None)
        return items, skipped

    def write_snapshot(self, items: Mapping[str, Item]) -> None:
        """Replace the snapshot atomically (write, fsync, rename), then empty the journal."""
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = self.snapshot.with_suffix(".jsonl.partial")
        with partial.open("w", encoding="utf-8") as out:
            for key, item in items.items():
                out.write(change_line(from_json(json.loads(key)), item))
            out.flush()
            os.fsync(out.fileno())
        partial.replace(self.snapshot)
        # Replaying the old journal over the new snapshot would change nothing (full images),
        # so a crash between these two steps loses nothing.
        with self.journal.open("w", encoding="utf-8"):
            pass


def change_line(keys: Mapping[str, Any], item: Item | None) -> str:
    """One journal line: a put (the whole item) or a delete (the key only)."""
    change: dict[str, Any] = {"key": to_json(dict(keys))}
    if item is not None:
        change["item"] = to_json(item)
    return json.dumps(change, separators=(",", ":")) + "\n"


def _lines(path: Path) -> Iterator[dict[str, Any] | None]:
    try:
        handle = path.open(encoding="utf-8")
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except ValueError:
                yield None  # a line cut short by a SIGKILL mid-write


def restore(client: Any, table: str, items: Iterable[Item], *, workers: int = 4) -> int:
    """Write `items` into `table` (BatchWriteItem, a few calls at a time); how many."""
    batches = _chunks(list(items), _BATCH)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return sum(pool.map(lambda batch: _write_batch(client, table, batch), batches))


def _chunks(items: list[Item], size: int) -> list[list[Item]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _write_batch(client: Any, table: str, batch: list[Item]) -> int:
    requests: list[dict[str, Any]] = [{"PutRequest": {"Item": item}} for item in batch]
    for _ in range(10):
        answer = client.batch_write_item(RequestItems={table: requests})
        requests = answer.get("UnprocessedItems", {}).get(table, [])
        if not requests:
            return len(batch)
    raise RuntimeError(f"{len(requests)} items still unprocessed by {table} after 10 tries")
