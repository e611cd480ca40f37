"""Throttled writes: retried, nothing lost, 503 only when the retries are spent.

Ingest writes each reading with a conditional PutItem (botocore retries throttling); bulk
tools use BatchWriteItem (the store retries UnprocessedItems). The 503 body's ``stored``
indices are checked against what the table really holds.
"""

from __future__ import annotations

import itertools
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.retries.standard import ExponentialBackoff
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hostile.conftest import HOSTILE
from tests.hostile.ingest_oracle import event
from tests.hostile.throttle import UnprocessedClient, throttle_puts
from thermostat.aws import dynamodb_client
from thermostat.contract import format_timestamp, parse_reading
from thermostat.items import ReadingItem
from thermostat_ingest import handler as ingest_handler
from thermostat_ingest.app import IngestApp
from thermostat_ingest.errors import StoreUnavailable
from thermostat_ingest.store import BATCH_WRITE_LIMIT, ReadingStore

WRITE_ROUNDS = 3


@pytest.fixture(autouse=True)
def no_backoff_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's real retry decisions, without its up-to-20 s sleeps between attempts."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


T0 = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
_devices = itertools.count()


def readings(device: str, count: int) -> list[dict[str, Any]]:
    return [
        {
            "device_id": device,
            "recorded_at": format_timestamp(T0 + timedelta(seconds=10 * n)),
            "temperature_c": 20.0 + n / 100,
            "setpoint_c": 20.5,
            "heating": n % 3 == 0,
        }
        for n in range(count)
    ]


def app_with(table: str, client: Any) -> IngestApp:
    app = ingest_handler.build_app({"TABLE_NAME": table})
    app.store = ReadingStore(client, table, write_rounds=WRITE_ROUNDS, sleep=lambda _: None)
    app.logger = logging.getLogger("hostile.quiet")
    app.logger.disabled = True
    return app


def stored_positions(table: str, sent: list[dict[str, Any]]) -> list[int]:
    """Positions in ``sent`` whose reading is in the table (one Query on the device)."""
    response = boto3.client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"DEVICE#{sent[0]['device_id']}"}},
        ConsistentRead=True,
    )
    times = {item["recorded_at"]["S"] for item in response["Items"]}
    return [n for n, reading in enumerate(sent) if reading["recorded_at"] in times]


def predict(count: int, takes: list[int]) -> tuple[list[int], bool]:
    """What the store must achieve: the positions written, and whether it finishes."""
    takes, stored = list(takes), list[int]()
    for start in range(0, count, BATCH_WRITE_LIMIT):
        pending = list(range(start, min(start + BATCH_WRITE_LIMIT, count)))
        for _ in range(WRITE_ROUNDS):
            take = takes.pop(0) if takes else len(pending)
            stored, pending = stored + pending[:take], pending[take:]
            if not pending:
                break
        if pending:
            return stored, False
    return stored, True


def test_unprocessed_items_are_retried_and_failure_names_exactly_what_is_stored(
    table: str,
) -> None:
    """Bulk writes under any throttling script: all stored, or a failure listing the table."""

    @settings(HOSTILE, max_examples=25)
    @given(count=st.integers(1, 60), takes=st.lists(st.integers(0, 25), max_size=12))
    def check(count: int, takes: list[int]) -> None:
        sent = readings(f"unprocessed-{next(_devices)}", count)
        store = ReadingStore(
            UnprocessedClient(takes),  # type: ignore[arg-type]
            table,
            write_rounds=WRITE_ROUNDS,
            sleep=lambda _: None,
        )
        items = [
            ReadingItem.new(parse_reading(r), received_at=T0, retention_days=0).to_item()
            for r in sent
        ]
        expected, finishes = predict(count, takes)
        try:
            store.put_all(items)
            stored = list(range(count))
        except StoreUnavailable as err:
            stored = err.stored
        assert finishes == (stored == list(range(count)))
        assert stored_positions(table, sent) == sorted(expected) == stored

    check()


def test_throttled_puts_are_retried_and_503_names_exactly_what_is_stored(table: str) -> None:
    """Any reading's put throttled 0-4 times (3 attempts each): 200, or 503 naming the table."""

    @settings(HOSTILE, max_examples=25)
    @given(count=st.integers(1, 30), data=st.data())
    def check(count: int, data: st.DataObject) -> None:
        sent = readings(f"throttled-{next(_devices)}", count)
        keys = ["READING#" + r["recorded_at"] for r in sent]
        times = {k: data.draw(st.integers(0, 4)) for k in keys}
        client = dynamodb_client(max_attempts=3)
        throttle_puts(client, times)
        response = app_with(table, client).handle(event(json.dumps(sent)))
        expected = [n for n, k in enumerate(keys) if times[k] < 3]
        assert stored_positions(table, sent) == expected
        if len(expected) == count:
            assert json.loads(response["body"]) == {"stored": count}
        else:
            assert response["statusCode"] == 503
            assert response["headers"]["Retry-After"]
            assert sorted(json.loads(response["body"])["stored"]) == expected

    check()


def test_throttling_errors_are_retried_by_botocore_and_nothing_is_lost(table: str) -> None:
    """Two ProvisionedThroughputExceeded answers for one put: botocore retries; 200, all stored."""
    client = dynamodb_client(max_attempts=3)
    sent = readings("throttled-ok", 30)
    throttle = throttle_puts(client, {"READING#" + sent[7]["recorded_at"]: 2})
    response = app_with(table, client).handle(event(json.dumps(sent)))
    assert response["statusCode"] == 200
    assert (throttle.throttled, throttle.forwarded) == (2, 30)
    assert stored_positions(table, sent) == list(range(30))


def test_throttling_past_botocore_attempts_gives_503_with_the_stored_indices(table: str) -> None:
    """One put throttled on all 3 attempts: 503 listing the 39 others, which are stored.

    DYNAMODB_MAX_ATTEMPTS counts attempts per call (settings.py), so with 3 a fourth
    throttle in the script is never reached.
    """
    client = dynamodb_client(max_attempts=3)
    sent = readings("throttled-out", 40)
    throttle = throttle_puts(client, {"READING#" + sent[25]["recorded_at"]: 4})
    response = app_with(table, client).handle(event(json.dumps(sent)))
    assert response["statusCode"] == 503
    others = [n for n in range(40) if n != 25]
    assert sorted(json.loads(response["body"])["stored"]) == others
    assert stored_positions(table, sent) == others
    assert (throttle.throttled, throttle.forwarded) == (3, 39)
