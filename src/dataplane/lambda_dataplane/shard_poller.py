"""One shard of a DynamoDB stream, read in order and handed to a function in batches.

Lambda's documented semantics (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html,
.../services-dynamodb-errors.html): a record is checkpointed only once its batch succeeded
or was sent to the on-failure destination, so a shard never moves past a failing record
out of order. ``step()`` does one fetch and at most one invocation, which lets tests drive
the poller deterministically; :class:`~lambda_dataplane.stream_mapping.StreamMapping`
calls it in a thread per shard.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from lambda_dataplane.config import Invoker
from lambda_dataplane.errors import DataplaneError, InvocationTooLargeError
from lambda_dataplane.shard_reader import ShardReader
from lambda_dataplane.stream_config import StreamMappingConfig
from lambda_dataplane.stream_events import event_payload, failure_message, read_outcome


@dataclass
class _Attempt:
    """A batch in flight: its length at the front of the buffer and how it has fared."""

    size: int
    invocations: int = 0
    retries: int = 0
    request_id: str | None = None
    function_error: str | None = None


@dataclass
class PollerStats:
    """What a poller did, for logs and tests."""

    invocations: int = 0
    delivered: int = 0
    sent_to_destination: int = 0
    service_errors: int = 0
    batches: list[int] = field(default_factory=list)
    # GetEventSourceMapping's LastProcessingResult for this shard.
    last_result: str = "No records processed"


class ShardPoller:
    """Delivers one shard's records to a function with Lambda's batching and error rules."""

    def __init__(
        self,
        config: StreamMappingConfig,
        *,
        shard_id: str,
        iterator_type: str,
        streams: Any,
        sqs: Any,
        invoker: Invoker,
        destination_url: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
        retry_backoff: float = 0.1,
    ) -> None:
        self.config, self.shard_id = config, shard_id
        self.reader = ShardReader(
            streams,
            stream_arn=config.stream_arn,
            shard_id=shard_id,
            iterator_type=iterator_type,
            filters=config.filters,
            monotonic=monotonic,
            region=config.region,
        )
        self._sqs, self._invoker = sqs, invoker
        self._destination_url = destination_url  # the SQS queue of OnFailure.Destination
        self._clock, self._monotonic = clock, monotonic
        self._backoff_base = retry_backoff
        self._attempts: list[_Attempt] = []  # the current batch first, then bisected halves
        self._not_before = 0.0
        self.stats = PollerStats()

    @property
    def finished(self) -> bool:
        """The shard is closed and every record in it is checkpointed."""
        return self.reader.ended and not self.reader

    @property
    def checkpoint(self) -> str | None:
        return self.reader.checkpoint

    @property
    def pending(self) -> int:
        """Records read and not yet checkpointed."""
        return len(self.reader)

    def step(self) -> bool:
        """Fetch once and run at most one batch; True when there may be more work now."""
        fetched = len(self.reader) < self.config.batch_size and self.reader.fetch()
        return self._run_batch() or fetched

    def _batch_ready(self) -> bool:
        if len(self.reader) >= self.config.batch_size or self.reader.ended:
            return True
        waited = self._monotonic() - (self.reader.buffered_since or 0.0)
        return waited >= self.config.batching_window_seconds

    def _run_batch(self) -> bool:
        if not self.reader or self._monotonic() < self._not_before:
            return False
        if not self._attempts:
            if not self._batch_ready():
                return False
            self._attempts.append(_Attempt(min(self.config.batch_size, len(self.reader))))
        attempt = self._attempts[0]
        if self._expire_old_records(attempt):
            return True
        batch = self.reader.head(attempt.size)
        try:
            result = self._invoker.invoke(event_payload(batch))
        except InvocationTooLargeError:
            if attempt.size == 1:
                raise
            # Lambda also keeps each invocation under 6 MB by sending fewer records.
            self._split(attempt)
            return True
        except DataplaneError:
            # The batch never reached the function: Lambda retries without counting it.
            self.stats.service_errors += 1
            self._back_off(attempt.retries + 1)
            return False
        attempt.invocations += 1
        attempt.request_id, attempt.function_error = result.request_id, result.function_error
        self.stats.invocations += 1
        self.stats.batches.append(len(batch))
        outcome = read_outcome(
            result.payload,
            result.function_error,
            batch,
            report_item_failures=self.config.report_batch_item_failures,
        )
        if outcome.failed_from is None:
            self._complete(attempt.size)
            self.stats.delivered += len(batch)
            self.stats.last_result = "OK"
            return True
        self.stats.last_result = "PROBLEM: Function call failed"
        if outcome.whole_batch and self.config.bisect_on_error and attempt.size > 1:
            # Splitting does not count towards the retry quota (services-dynamodb-errors).
            self._split(attempt)
            return True
        if outcome.failed_from:
            # The records before the lowest reported failure are checkpointed.
            self.stats.delivered += outcome.failed_from
            self._complete(outcome.failed_from)
            attempt = self._attempts[0]
        attempt.retries += 1
        limit = self.config.maximum_retry_attempts
        if limit >= 0 and attempt.retries > limit:
            self._send_to_destination(attempt, attempt.size, "RetryAttemptsExhausted")
            return True
        self._back_off(attempt.retries)
        return False

    def _split(self, attempt: _Attempt) -> None:
        half = math.ceil(attempt.size / 2)
        self._attempts[0:1] = [
            replace(attempt, size=half),
            replace(attempt, size=attempt.size - half),
        ]

    def _expire_old_records(self, attempt: _Attempt) -> bool:
        limit = self.config.maximum_record_age_seconds
        if limit < 0:
            return False
        now = self._clock()
        expired = 0
        for record in self.reader.head(attempt.size):
            if (now - record.arrival).total_seconds() <= limit:
                break
            expired += 1
        if not expired:
            return False
        self._send_to_destination(attempt, expired, "RecordAgeExceeded")
        return True

    def _send_to_destination(self, attempt: _Attempt, count: int, condition: str) -> None:
        batch = self.reader.head(count)
        if self._destination_url:
            message = failure_message(
                batch,
                condition=condition,
                shard_id=self.shard_id,
                stream_arn=self.config.stream_arn,
                function_arn=self.config.function_arn,
                invoke_count=attempt.invocations,
                request_id=attempt.request_id,
                function_error=attempt.function_error,
                now=self._clock(),
            )
            # Sent before the checkpoint moves: a crash here repeats the message, never loses it.
            self._sqs.send_message(QueueUrl=self._destination_url, MessageBody=json.dumps(message))
        self.stats.sent_to_destination += count
        self._complete(count)
        self._not_before = 0.0

    def _complete(self, count: int) -> None:
        """Checkpoint the first ``count`` buffered records and shrink the batch in flight."""
        self.reader.complete(count)
        attempt = self._attempts.pop(0)
        if attempt.size > count:
            self._attempts.insert(0, replace(attempt, size=attempt.size - count))

    def _back_off(self, tries: int) -> None:
        delay = min(self._backoff_base * 2 ** max(tries - 1, 0), 5.0)
        self._not_before = self._monotonic() + delay
