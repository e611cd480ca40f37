"""Writing to the table: readings never overwrite each other; tools may write in bulk.

:meth:`ReadingStore.put_new` writes each reading with a conditional PutItem
(``attribute_not_exists``): a reading already stored with the same values is an idempotent
resend (nothing is written, no stream record); one with other values is a conflict, reported
and never overwritten. BatchWriteItem cannot carry conditions, so readings are put one by one,
a few at a time in parallel (boto3 clients are thread-safe).
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html

:meth:`ReadingStore.put_all` writes any items with BatchWriteItem, retrying UnprocessedItems
with backoff and jitter (demo data and imports, not the ingest path).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from thermostat.items import PK, SK, ItemError, ReadingItem, SettingsItem, from_wire, to_wire
from thermostat_ingest.errors import StoreUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BATCH_WRITE_LIMIT = 25  # DynamoDB's maximum per BatchWriteItem call
PARALLEL_PUTS = 8


def _key(item: Mapping[str, Any]) -> tuple[str, str]:
    return item[PK]["S"], item[SK]["S"]


@dataclass(frozen=True)
class Conflict:
    """A reading whose device and time are stored already, with other values."""

    index: int
    stored: ReadingItem | None  # None: what is stored is not even a valid reading


@dataclass(frozen=True)
class _Taken:
    stored: ReadingItem | None


@dataclass
class PutOutcome:
    """Positions stored (new or identical to what was there) and positions in conflict."""

    stored: list[int] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


class ReadingStore:
    """Puts items into one table; reports exactly which positions were stored on failure."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        write_rounds: int = 6,
        base_delay: float = 0.05,
        max_delay: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._table = table_name
        self._rounds = write_rounds
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._sleep = sleep
        self._pool: ThreadPoolExecutor | None = None

    # --- readings: conditional, one by one ------------------------------------------------

    def put_new(self, readings: Sequence[ReadingItem]) -> PutOutcome:
        """Store each reading unless its key is taken; raise StoreUnavailable(stored=[...])
        if DynamoDB failed for some (after botocore's retries)."""
        if len(readings) <= 1:
            results = [self._put_one(reading) for reading in readings]
        else:
            if self._pool is None:  # kept for the life of the execution environment
                self._pool = ThreadPoolExecutor(PARALLEL_PUTS, thread_name_prefix="put")
            results = list(self._pool.map(self._put_one, readings))
        outcome = PutOutcome()
        failures = []
        for index, result in enumerate(results):
            if isinstance(result, _Taken):
                outcome.conflicts.append(Conflict(index, result.stored))
            elif isinstance(result, Exception):
                failures.append(result)
            else:
                outcome.stored.append(index)
        if failures:
            raise StoreUnavailable(f"DynamoDB failed: {failures[0]}", stored=outcome.stored)
        return outcome

    def _put_one(self, reading: ReadingItem) -> _Taken | Exception | None:
        """None: stored (new, or the same values already there); _Taken: a conflict."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_wire(reading.to_item()),
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": PK},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                return err
            old: Any = err.response.get("Item")
            if old is None:  # an emulator that does not return it: read it
                old = self._client.get_item(
                    TableName=self._table, Key=to_wire(reading.key()), ConsistentRead=True
                ).get("Item")
            if not isinstance(old, dict):  # deleted between the two calls: try once more
                return self._put_one(reading)
            try:
                stored = ReadingItem.from_item(from_wire(old))
            except ItemError:
                return _Taken(None)
            return None if stored.reading == reading.reading else _Taken(stored)
        except BotoCoreError as err:
            return err
        return None

    def desired_settings(self, device_id: str) -> SettingsItem | None:
        """The device's desired settings item (eventually consistent: a change made a moment
        ago reaches the device with its next upload)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            item = self._client.get_item(
                TableName=self._table, Key=to_wire(SettingsItem.key_of(device_id))
            ).get("Item")
        except (BotoCoreError, ClientError) as err:
            raise StoreUnavailable(f"DynamoDB failed: {err}", stored=[]) from err
        if item is None:
            return None
        try:
            return SettingsItem.from_item(from_wire(item))
        except ItemError:
            return None  # nothing usable to hand out; `thermostat set` writes a good one

    # --- any items: BatchWriteItem, unconditional ------------------------------------------

    def put_all(self, items: Sequence[dict[str, Any]]) -> None:
        """Store every item (keys must be unique) or raise StoreUnavailable(stored=[...])."""
        from botocore.exceptions import BotoCoreError, ClientError

        stored: list[int] = []
        for start in range(0, len(items), BATCH_WRITE_LIMIT):
            chunk = {
                _key(wire): (start + offset, wire)
                for offset, wire in enumerate(
                    map(to_wire, items[start : start + BATCH_WRITE_LIMIT])
                )
            }
            try:
                self._write_chunk(chunk, stored)
            except (BotoCoreError, ClientError) as err:
                raise StoreUnavailable(f"DynamoDB failed: {err}", stored=sorted(stored)) from err

    def _write_chunk(
        self, pending: dict[tuple[str, str], tuple[int, dict[str, Any]]], stored: list[int]
    ) -> None:
        for attempt in range(self._rounds):
            if attempt:
                # Full jitter: https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
                cap = min(self._max_delay, self._base_delay * 2**attempt)
                self._sleep(random.uniform(0, cap))  # noqa: S311 - jitter, not crypto
            requests: list[Any] = [{"PutRequest": {"Item": wire}} for _, wire in pending.values()]
            response = self._client.batch_write_item(RequestItems={self._table: requests})
            unprocessed = {
                _key(request["PutRequest"]["Item"])
                for request in response.get("UnprocessedItems", {}).get(self._table, [])
            }
            for key in list(pending):
                if key not in unprocessed:
                    stored.append(pending.pop(key)[0])
            if not pending:
                return
        raise StoreUnavailable(
            f"DynamoDB left {len(pending)} items unprocessed after {self._rounds} rounds",
            stored=sorted(stored),
        )
