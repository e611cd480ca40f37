"""10,000 generated requests to the ingest function, its store on a real moto_server.

Budget (examples per test, summed by ``test_budget_is_at_least_10000``): most examples are
refused before any write, so only valid readings reach moto over HTTP and the whole module
stays fast. Each test asserts that hypothesis really ran its budget, and ends by scanning the
table: it holds exactly what 200 responses wrote, and every item re-validates.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hostile import junk
from tests.hostile import strategies as s
from tests.hostile.conftest import HOSTILE
from tests.hostile.ingest_oracle import Exchange, event, key_of
from tests.support.moto import MotoServer
from tests.support.stack import deploy
from thermostat.contract import LegacyDefaults, Reading, format_timestamp, parse_reading

BUDGET = {
    "valid": 400,
    "legacy": 300,
    "one_broken_field": 2500,
    "reading_like": 2000,
    "random_json": 1800,
    "pathological": 1700,
    "methods_and_headers": 1300,
    "duplicate_keys": 200,
    "retention": 200,
    "rate_limit": 800,
}


def run(exchange: Exchange, name: str, test: Callable[..., None]) -> None:
    """Run a hypothesis test with its budget; check it ran that many examples and the table."""
    before = exchange.examples
    settings(HOSTILE, max_examples=BUDGET[name])(test)()
    assert exchange.examples - before >= BUDGET[name]
    exchange.check_table()


@pytest.fixture(scope="module")
def exchange(moto: MotoServer) -> Iterator[Exchange]:
    """One deployed stack for the module: the table only grows, checked after each test."""
    moto.reset()
    with pytest.MonkeyPatch.context() as patch:
        moto.point_at(patch)
        yield Exchange(deploy(boto3.client("cloudformation"))["TableName"])


@dataclass(frozen=True)
class Expected:
    """What a batch of valid readings must give: stored, or 409 for the conflicting ones."""

    new: list[Reading]
    conflicts: list[int]

    def check(self, status: int, body: dict[str, Any], stored: list[Reading]) -> None:
        assert sorted(stored, key=repr) == sorted(self.new, key=repr)
        if self.conflicts:
            assert status == 409, body
            assert [item["index"] for item in body["items"]] == self.conflicts
        else:
            assert status == 200, body


def expect(exchange: Exchange, readings: list[Reading]) -> Expected:
    """Before sending: which readings are new, which conflict with the table."""
    clash = exchange.conflicts(readings)
    new = [
        reading
        for n, reading in enumerate(readings)
        if n not in clash and key_of(reading) not in exchange.stored
    ]
    return Expected(new, clash)


def test_budget_is_at_least_10000() -> None:
    """The tests below send at least 10,000 generated requests between them."""
    assert sum(BUDGET.values()) >= 10_000


def test_valid_readings_are_all_stored_as_sent(exchange: Exchange) -> None:
    """Any batch of valid, distinct readings, in any shape and encoding: 200, stored as sent."""

    @given(batch=s.unique_batches, shape=s.shapes, b64=st.booleans())
    def check(batch: list[dict[str, Any]], shape: str, b64: bool) -> None:
        readings = [parse_reading(r) for r in batch]
        expected = expect(exchange, readings)
        status, body, stored = exchange.send(
            event(s.dumps(s.wrap(batch, shape)), base64_encoded=b64)
        )
        expected.check(status, body, stored)

    run(exchange, "valid", check)


def test_v1_payloads_are_converted_and_stored(exchange: Exchange) -> None:
    """The Rust client's payloads (Fahrenheit, string numbers, naive dates) are stored in C."""
    defaults = LegacyDefaults()

    @given(payload=s.legacy_readings())
    def check(payload: dict[str, Any]) -> None:
        expected = expect(exchange, [parse_reading(payload, defaults=defaults)])
        status, body, stored = exchange.send(event(s.dumps(payload)))
        expected.check(status, body, stored)

    run(exchange, "legacy", check)


def test_one_broken_field_refuses_the_whole_batch(exchange: Exchange) -> None:
    """One reading with one broken field: 422 naming exactly that index; nothing stored."""

    @given(
        batch=s.cheap_batches,
        position=st.integers(0, 4),
        mutation=st.sampled_from(s.INVALID_MUTATIONS),
        shape=st.sampled_from(["list", "object"]),
    )
    def check(batch: list[dict[str, Any]], position: int, mutation: Any, shape: str) -> None:
        index = position % len(batch)
        batch[index] = s.mutate(batch[index], mutation)
        status, body, _ = exchange.send(event(s.dumps(s.wrap(batch, shape))))
        assert status == 422, (mutation, body)
        assert [item["index"] for item in body["items"]] == [index]

    run(exchange, "one_broken_field", check)


def test_reading_like_objects_never_store_an_invalid_reading(exchange: Exchange) -> None:
    """Objects with reading keys and arbitrary JSON values: no 5xx, only valid items stored."""

    @given(items=st.lists(junk.reading_like, max_size=3), shape=s.shapes)
    def check(items: list[Any], shape: str) -> None:
        exchange.send(event(s.dumps(s.wrap(items, shape))))

    run(exchange, "reading_like", check)


def test_arbitrary_json_documents_get_a_json_answer(exchange: Exchange) -> None:
    """Any JSON document (NaN tokens, huge numbers, nesting): a 4xx with an error code or 200."""

    @given(document=junk.json_values, b64=st.booleans())
    def check(document: Any, b64: bool) -> None:
        exchange.send(event(s.dumps(document), base64_encoded=b64))

    run(exchange, "random_json", check)


def test_pathological_bodies_are_refused_cleanly(exchange: Exchange) -> None:
    """Non-JSON text, lone surrogates, deep nesting, giant numbers, random bytes, bad base64."""
    bodies = st.one_of(
        junk.pathological_bodies.map(lambda text: event(text)),
        junk.pathological_bodies.map(lambda text: event(text, base64_encoded=True)),
        junk.random_bytes_bodies.map(
            lambda b64: {**event(None), "body": b64, "isBase64Encoded": True}
        ),
        junk.broken_base64.map(lambda text: {**event(None), "body": text, "isBase64Encoded": True}),
        st.just(event(None)),
    )

    @given(sent=bodies)
    def check(sent: dict[str, Any]) -> None:
        status, _, _ = exchange.send(sent)
        assert status >= 400

    run(exchange, "pathological", check)


def test_method_and_content_type_are_checked_before_the_body(exchange: Exchange) -> None:
    """Not POST: 405. Not application/json (any case, parameters allowed): 415. Else 200."""

    @given(
        batch=s.cheap_batches,
        method=junk.methods,
        content_type=junk.content_types,
        header=junk.header_names,
    )
    def check(batch: list[dict[str, Any]], method: str, content_type: Any, header: str) -> None:
        sent = event(s.dumps(batch), method=method, content_type=content_type, header_name=header)
        clash = exchange.conflicts([parse_reading(r) for r in batch])
        status, _, _ = exchange.send(sent)
        media = (content_type or "").split(";")[0].strip().lower()
        stored = 409 if clash else 200
        expected = 405 if method != "POST" else 415 if media != "application/json" else stored
        assert status == expected

    run(exchange, "methods_and_headers", check)


def test_a_key_twice_in_one_object_is_a_400(exchange: Exchange) -> None:
    """Any valid reading with one of its keys written twice: 400, nothing stored."""

    @given(reading=s.valid_readings(), name=st.sampled_from(s.FIELDS), value=junk.json_leaves)
    def check(reading: dict[str, Any], name: str, value: Any) -> None:
        text = s.dumps(reading)[:-1] + f", {json.dumps(name)}: {s.dumps(value)}}}"
        status, body, _ = exchange.send(event(text))
        assert status == 400 and "twice" in body["message"], body

    run(exchange, "duplicate_keys", check)


def test_readings_older_than_retention_are_refused(aws: MotoServer) -> None:
    """With 30-day retention: a reading taken before the window is a 422 naming it."""
    table = deploy(boto3.client("cloudformation"))["TableName"]
    retained = Exchange(table, READING_RETENTION_DAYS="30")
    now = datetime.now(UTC)

    @given(reading=s.valid_readings(), age_days=st.integers(0, 60))
    def check(reading: dict[str, Any], age_days: int) -> None:
        moment = now - timedelta(days=age_days, minutes=10)
        reading = {**reading, "recorded_at": format_timestamp(moment)}
        expected = expect(retained, [parse_reading(reading)])
        status, body, stored = retained.send(event(s.dumps(reading)))
        if age_days >= 30:
            assert status == 422, body
            assert "older than the retention period" in body["items"][0]["errors"][0]["msg"]
            assert stored == []
        else:
            expected.check(status, body, stored)

    run(retained, "retention", check)


def test_a_device_over_its_rate_is_refused_and_nothing_is_stored(aws: MotoServer) -> None:
    """Any sequence of batches from two devices: a 429 stores nothing, a 200 stores all."""
    table = deploy(boto3.client("cloudformation"))["TableName"]
    limited = Exchange(table, DEVICE_READINGS_PER_MINUTE="60")
    refused = 0

    @given(batch=s.cheap_batches, device=st.sampled_from(["rate-a", "rate-b"]))
    def check(batch: list[dict[str, Any]], device: str) -> None:
        nonlocal refused
        batch = [{**r, "device_id": device} for r in batch]
        expected = expect(limited, [parse_reading(r) for r in batch])
        status, body, stored = limited.send(event(s.dumps(batch)))
        if status == 429:
            refused += 1
            assert stored == [] and body["error"] == "rate_limited"
        else:
            expected.check(status, body, stored)

    run(limited, "rate_limit", check)
    assert refused > 0, "the budget never reached the limit"
