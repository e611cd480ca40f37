"""Hostile stream batches built from moto's real stream records: exactly the bad ones fail.

Each record of a real batch (24 INSERTs, 2 devices x 3 hours) gets one treatment: kept,
or changed in a way that stays valid (extra attribute, MODIFY, REMOVE, TTL expiry, another
item type), or broken (a missing or mistyped attribute, a bad key, an unknown event). The
batch response must name exactly the broken records, in order; the hours and days touched
by the valid ones are written with the right figures; the others are not written at all.
"""

from __future__ import annotations

import copy
import json
import logging
from datetime import UTC, datetime, timedelta
from statistics import fmean
from typing import Any

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hostile.conftest import HOSTILE
from tests.hostile.ingest_oracle import Exchange, event
from tests.hostile.stream_treatments import BAD, GOOD, Record, Treatment
from tests.support.streams import StreamReader
from tests.support.table import plain, rollup
from thermostat.contract import format_timestamp
from thermostat.items import RollupItem
from thermostat_stream import handler as stream_handler
from thermostat_stream.table import RollupTable

T0 = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
DEVICES = ("hall", "attic")


def sent_readings() -> list[dict[str, Any]]:
    """4 readings per hour, 3 hours, 2 devices, distinct figures."""
    return [
        {
            "device_id": device,
            "recorded_at": format_timestamp(T0 + timedelta(minutes=13 * n + d)),
            "temperature_c": round(15 + n * 0.7 + d * 3.1, 3),
            "setpoint_c": 19.5 + (n % 3),
            "heating": (n + d) % 3 == 0,
        }
        for d, device in enumerate(DEVICES)
        for n in range(12)
    ]


class RecordingDynamo:
    """The real client (to moto); notes the key of every rollup/status write and delete."""

    def __init__(self) -> None:
        self._client = boto3.client("dynamodb")
        self.written: list[tuple[str, str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def put_item(self, **kwargs: Any) -> Any:
        self.written.append((kwargs["Item"]["pk"]["S"], kwargs["Item"]["sk"]["S"]))
        return self._client.put_item(**kwargs)

    def delete_item(self, **kwargs: Any) -> Any:
        self.written.append((kwargs["Key"]["pk"]["S"], kwargs["Key"]["sk"]["S"]))
        return self._client.delete_item(**kwargs)


def expected_hour(readings: list[dict[str, Any]]) -> dict[str, Any]:
    temperatures = [r["temperature_c"] for r in readings]
    return {
        "reading_count": len(readings),
        "temperature_min_c": min(temperatures),
        "temperature_max_c": max(temperatures),
        "temperature_mean_c": round(fmean(temperatures), 3),
        "setpoint_mean_c": round(fmean(r["setpoint_c"] for r in readings), 3),
        "heating_duty_cycle": round(fmean(r["heating"] for r in readings), 4),
        "first_recorded_at": min(r["recorded_at"] for r in readings),
        "last_recorded_at": max(r["recorded_at"] for r in readings),
    }


def assert_figures(item: dict[str, Any] | None, expected: dict[str, Any]) -> None:
    assert item is not None
    for name, value in expected.items():
        if isinstance(value, float):
            assert float(item[name]) == pytest.approx(value, abs=1e-3), name
        else:
            assert item[name] == value, name


def partition(table: str, device: str) -> dict[str, dict[str, Any]]:
    """Every item of one device, by sort key (one Query)."""
    response = boto3.client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"DEVICE#{device}"}},
        ConsistentRead=True,
    )
    return {item["sk"]["S"]: plain(item) for item in response["Items"]}


@pytest.fixture
def batch(table: str, stack: dict[str, str]) -> list[Record]:
    """The real stream records of 24 readings written through the ingest function."""
    response = Exchange(table).app.handle(event(json.dumps(sent_readings())))
    assert response["statusCode"] == 200
    records = StreamReader(stack["TableStreamArn"]).records()
    assert [r["eventName"] for r in records] == ["INSERT"] * 24
    return records


def reset(table: str, device: str) -> None:
    """Delete the device's rollups and status (its readings stay): a fresh example."""
    client = boto3.client("dynamodb")
    for sk in partition(table, device):
        if not sk.startswith("READING#"):
            client.delete_item(
                TableName=table, Key={"pk": {"S": f"DEVICE#{device}"}, "sk": {"S": sk}}
            )


def test_bad_records_fail_alone_and_good_ones_roll_up_right(
    table: str, batch: list[Record]
) -> None:
    """Any mix of treatments: failures are exactly the broken records; rollups are right.

    An hour with a hand-made change (MODIFY, REMOVE) is recomputed from the table, which
    holds all its readings; any other hour holds exactly the good INSERTs folded in. TTL
    expiries and other items change nothing.
    """
    by_time = {(r["device_id"], r["recorded_at"]): r for r in sent_readings()}
    processor = stream_handler.build_processor({"TABLE_NAME": table})
    processor.logger = logging.getLogger("hostile.quiet")
    processor.logger.disabled = True
    processor.table = RollupTable(RecordingDynamo(), table)  # type: ignore[arg-type]

    @settings(HOSTILE, max_examples=25)
    @given(
        treatments=st.lists(
            st.booleans().flatmap(lambda ok: st.sampled_from(GOOD if ok else BAD)),
            min_size=len(batch),
            max_size=len(batch),
        )
    )
    def check(treatments: list[tuple[str, Treatment, str]]) -> None:
        records = copy.deepcopy(batch)
        for record, (_, treat, _) in zip(records, treatments, strict=True):
            treat(record)
        for device in DEVICES:  # each example starts with no rollups and no status
            reset(table, device)

        failures = processor.process(records).response()["batchItemFailures"]

        names = [name for name, _, _ in treatments]
        kinds = [kind for _, _, kind in treatments]
        originals = [plain(r["dynamodb"]["NewImage"]) for r in batch]
        bad = [
            r["dynamodb"]["SequenceNumber"] for r, k in zip(batch, kinds, strict=True) if k == "bad"
        ]
        assert failures == [{"itemIdentifier": sequence} for sequence in bad]
        folded: dict[tuple[str, str], list[dict[str, Any]]] = {}
        recomputed: set[tuple[str, str]] = set()
        latest: dict[str, str] = {}
        for original, name, kind in zip(originals, names, kinds, strict=True):
            hour = (original["device_id"], original["recorded_at"][:13])
            if name in ("modify", "remove"):
                recomputed.add(hour)
            elif kind == "reading":
                folded.setdefault(hour, []).append(by_time[hour[0], original["recorded_at"]])
            if kind == "reading":
                device = original["device_id"]
                latest[device] = max(latest.get(device, ""), original["recorded_at"])
        for device, hour in set(folded) | recomputed:
            if (device, hour) in recomputed:
                members = [r for (d, t), r in by_time.items() if d == device and t[:13] == hour]
            else:
                members = folded[device, hour]
            view = rollup(table, device, "hourly", hour)
            assert view is not None, (device, hour)
            assert_figures(RollupItem.to_item(view), expected_hour(members))
        for device in DEVICES:
            items = partition(table, device)
            if device in latest:
                assert items["STATUS"]["last_recorded_at"] == latest[device]
            else:
                assert "STATUS" not in items
            for sk in items:
                assert sk.startswith(("READING#", "HOUR#", "DAY#", "STATUS", "ALERT#")), sk

    check()
