"""Follows a table's DynamoDB stream and appends every change to the table's journal.

See persistence.py for why. Each round reads every shard until it is dry, applies the
changes to an in-memory copy of the table and appends them to the journal (flushed each
round, so a SIGKILL of make dev loses only what the stream had not yet given us; fsynced
about once a second, for a machine crash). When the journal outgrows the snapshot, the
copy becomes the new snapshot.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from typing import IO, Any

from botocore.exceptions import BotoCoreError, ClientError

from devstack.persistence import Item, TableFiles, change_line, key_text, restore

log = logging.getLogger(__name__)


class TableJournal:
    """Start with :meth:`start` (the stream position is taken before it returns); :meth:`stop`
    reads what is left in the stream, then syncs and closes the journal."""

    def __init__(
        self,
        streams: Any,
        stream_arn: str,
        files: TableFiles,
        items: dict[str, Item],
        *,
        poll_interval: float = 0.2,
        fsync_interval: float = 1.0,
    ) -> None:
        self._streams, self._stream_arn, self._files = streams, stream_arn, files
        self.items = items
        self._poll_interval, self._fsync_interval = poll_interval, fsync_interval
        self._iterators: dict[str, str | None] = {}  # shard id -> iterator; None: closed, read
        self._journal: IO[str] | None = None
        self._lines = 0
        self._synced_at = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="table-journal", daemon=True)
        self.failed: str | None = None

    def start(self) -> None:
        self._files.write_snapshot(self.items)
        self._journal = self._files.journal.open("a", encoding="utf-8")
        self._discover(initial=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._journal is not None:
            self._sync()
            self._journal.close()
            self._journal = None

    def _run(self) -> None:
        rounds = 0
        while True:
            try:
                if rounds % 25 == 0:
                    self._discover(initial=False)
                got = self._read_round()
            except (BotoCoreError, ClientError) as err:
                if self.failed is None:
                    log.warning("journal: cannot read the table's stream: %s", err)
                self.failed = str(err)
                got = 0
                if self._stop.is_set():
                    return  # the emulator is gone: what we have is all there is
            rounds += 1
            if got:
                self._after_write()
                continue
            if self._stop.is_set():
                return  # drained
            self._stop.wait(self._poll_interval)

    def _discover(self, *, initial: bool) -> None:
        description = self._streams.describe_stream(StreamArn=self._stream_arn)
        for shard in description["StreamDescription"].get("Shards", []):
            shard_id = shard["ShardId"]
            if shard_id in self._iterators:
                continue
            closed = "EndingSequenceNumber" in shard.get("SequenceNumberRange", {})
            if initial and closed:
                self._iterators[shard_id] = None  # all of it is in the restored items
                continue
            # At start: from now on (what is older was restored). A shard that appears
            # later (a split) is new, so all of it.
            kind = "LATEST" if initial else "TRIM_HORIZON"
            self._iterators[shard_id] = self._streams.get_shard_iterator(
                StreamArn=self._stream_arn, ShardId=shard_id, ShardIteratorType=kind
            )["ShardIterator"]

    def _read_round(self) -> int:
        got = 0
        for shard_id, iterator in list(self._iterators.items()):
            if iterator is None:
                continue
            page = self._streams.get_records(ShardIterator=iterator, Limit=1000)
            for record in page.get("Records", []):
                self._apply(record)
                got += 1
            self._iterators[shard_id] = page.get("NextShardIterator")
        return got

    def _apply(self, record: Mapping[str, Any]) -> None:
        change = record["dynamodb"]
        keys = change["Keys"]
        item = change.get("NewImage") if record["eventName"] != "REMOVE" else None
        key = key_text(keys)
        if item is None:
            self.items.pop(key, None)
        else:
            self.items[key] = item
        assert self._journal is not None
        self._journal.write(change_line(keys, item))
        self._lines += 1

    def _after_write(self) -> None:
        assert self._journal is not None
        self._journal.flush()  # in the OS's hands: survives a SIGKILL of this process
        if time.monotonic() - self._synced_at >= self._fsync_interval:
            self._sync()
        if self._lines > max(10_000, 2 * len(self.items)):
            self._journal.close()
            self._files.write_snapshot(self.items)
            self._journal = self._files.journal.open("a", encoding="utf-8")
            self._lines = 0

    def _sync(self) -> None:
        assert self._journal is not None
        self._journal.flush()
        os.fsync(self._journal.fileno())
        self._synced_at = time.monotonic()


def keep_table(
    dynamodb: Any,
    streams: Any,
    *,
    table: str,
    stream_arn: str,
    files: TableFiles,
) -> tuple[TableJournal, int, int]:
    """Restore the kept items into `table`, then journal its stream from here on.
    Returns the journal, how many items were restored and how many lines were unreadable."""
    items, skipped = files.load()
    restored = restore(dynamodb, table, items.values())
    journal = TableJournal(streams, stream_arn, files, items)
    journal.start()
    return journal, restored, skipped
