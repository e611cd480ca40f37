"""Write readings with BatchWriteItem, retrying UnprocessedItems with backoff and jitter."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from thermostat.items import PK, SK, to_wire
from thermostat_ingest.errors import StoreUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BATCH_WRITE_LIMIT = 25  # DynamoDB's maximum per BatchWriteItem call


def _key(item: Mapping[str, Any]) -> tuple[str, str]:
    return item[PK]["S"], item[SK]["S"]


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
