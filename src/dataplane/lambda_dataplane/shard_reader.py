"""Reading one shard in order: iterators, filter criteria, the buffer and the checkpoint."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from lambda_dataplane.filters import FilterCriteria
from lambda_dataplane.stream_events import StreamRecord, to_lambda_record

GET_RECORDS_LIMIT = 1000  # the DynamoDB Streams maximum
# GetRecords errors after which AWS says to take a new shard iterator
# (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html):
# an iterator expires 15 minutes after GetShardIterator; TrimmedDataAccessException means it
# points at records already trimmed (older than 24 h), or, on DynamoDB Local, it is raised on
# a fresh table's first write (https://github.com/aws/aws-sdk-java/issues/2923). Retrying the
# same iterator fails the same way forever.
RENEW_ITERATOR = frozenset({"ExpiredIteratorException", "TrimmedDataAccessException"})
TRIMMED = "TrimmedDataAccessException"


def error_code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


@dataclass
class _Entry:
    record: StreamRecord
    # Where the checkpoint lands once this record is done: records filtered out right
    # after it are skipped with it, never before it.
    advance_to: str


class ShardReader:
    """Buffers the records of a shard that match the filters, oldest first."""

    def __init__(
        self,
        streams: Any,
        *,
        stream_arn: str,
        shard_id: str,
        iterator_type: str,
        filters: FilterCriteria,
        monotonic: Callable[[], float] = time.monotonic,
        region: str | None = None,
    ) -> None:
        self._streams, self._stream_arn, self._shard_id = streams, stream_arn, shard_id
        self._region = region  # each record's awsRegion (None: the stream ARN's)
        self._iterator_type, self._filters, self._monotonic = iterator_type, filters, monotonic
        self._iterator: str | None = None
        self._last_fetched: str | None = None
        self._buffer: list[_Entry] = []
        self.ended = False  # the shard is closed and its last page was read
        self.buffered_since: float | None = None
        self.checkpoint: str | None = None  # every record up to here is done
        self.filtered = 0
        self.renewed_iterators = 0
        self.trimmed_restarts = 0  # times the position was trimmed: read on at TRIM_HORIZON

    def __len__(self) -> int:
        return len(self._buffer)

    def head(self, count: int) -> list[StreamRecord]:
        return [entry.record for entry in self._buffer[:count]]

    def open(self) -> None:
        """Take the shard iterator now: LATEST means the end of the shard at this moment."""
        if self._iterator is None and not self.ended:
            self._iterator = self._new_iterator()

    def fetch(self) -> bool:
        """Read one page; True if it held records (or the iterator had to be renewed)."""
        if self.ended:
            return False
        if self._iterator is None:
            self._iterator = self._new_iterator()
        try:
            page = self._streams.get_records(ShardIterator=self._iterator, Limit=GET_RECORDS_LIMIT)
        except ClientError as err:
            if error_code(err) not in RENEW_ITERATOR:
                raise
            self._iterator = None  # a new one, from where we are, on the next fetch
            self.renewed_iterators += 1
            return True
        for raw in page.get("Records", []):
            self._take(to_lambda_record(raw, stream_arn=self._stream_arn, region=self._region))
        self._iterator = page.get("NextShardIterator")
        self.ended = self._iterator is None  # a closed shard's last page has no iterator
        return bool(page.get("Records"))

    def complete(self, count: int) -> None:
        """The first ``count`` records are done (delivered or sent to the destination)."""
        done = self._buffer[:count]
        del self._buffer[:count]
        if done:
            self.checkpoint = done[-1].advance_to
        if not self._buffer:
            self.buffered_since = None

    def _new_iterator(self) -> str:
        args: dict[str, Any] = {"StreamArn": self._stream_arn, "ShardId": self._shard_id}
        if self._last_fetched is not None:
            args["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
            args["SequenceNumber"] = self._last_fetched
        else:
            args["ShardIteratorType"] = self._iterator_type
        try:
            return self._get_shard_iterator(args)
        except ClientError as err:
            if error_code(err) != TRIMMED or args["ShardIteratorType"] == "TRIM_HORIZON":
                raise
        # The position itself is past the trim point (API_streams_GetShardIterator.html):
        # the records after it are gone, so read on from the oldest one left, as Lambda does.
        self.trimmed_restarts += 1
        args.pop("SequenceNumber", None)
        return self._get_shard_iterator({**args, "ShardIteratorType": "TRIM_HORIZON"})

    def _get_shard_iterator(self, args: dict[str, Any]) -> str:
        return str(self._streams.get_shard_iterator(**args)["ShardIterator"])

    def _take(self, record: StreamRecord) -> None:
        self._last_fetched = record.sequence_number
        if not self._filters.matches(record.event):
            # Lambda drops records that match no filter and moves past them.
            self.filtered += 1
            if self._buffer:
                self._buffer[-1].advance_to = record.sequence_number
            else:
                self.checkpoint = record.sequence_number
            return
        if not self._buffer:
            self.buffered_since = self._monotonic()
        self._buffer.append(_Entry(record, record.sequence_number))
