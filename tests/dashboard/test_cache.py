"""The hour cache: a complete hour is read once; new, late or uncounted readings are read again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import boto3
import pytest

from devstack.demo import stored_items
from tests.cli.helpers import TABLE, create_contract_table, put_items, stored_day
from tests.support.moto import MotoServer
from thermostat.contract import Reading
from thermostat.items import ReadingItem, Sample
from thermostat_cli.dashboard import reads
from thermostat_cli.dashboard.cache import HourCache
from thermostat_cli.queries import Table

DAY_START = datetime(2025, 12, 1, tzinfo=UTC)
DAY_LAST = DAY_START + timedelta(days=1) - timedelta(milliseconds=1)


class CountingReads:
    """reads.samples, recording each key range it was asked for."""

    def __init__(self) -> None:
        self.ranges: list[tuple[datetime, datetime]] = []

    def __call__(self, table: Table, device: str, first: datetime, last: datetime) -> list[Sample]:
        self.ranges.append((first, last))
        return reads.samples(table, device, first, last)


@pytest.fixture
def table(aws: MotoServer) -> Table:
    client = boto3.client("dynamodb")
    create_contract_table(client)
    return Table(client, TABLE)


def seed(table: Table) -> list[Reading]:
    readings, items = stored_day("living-room", timedelta(minutes=5))
    put_items(table.client, items)
    return readings


def test_a_day_is_read_once_then_served_from_complete_hours(table: Table) -> None:
    """The second read of a day sends no reading Query: every hour's rollup agrees."""
    readings = seed(table)
    counting = CountingReads()
    cache = HourCache(counting)
    first = cache.samples(table, "living-room", DAY_START, DAY_LAST)
    assert counting.ranges == [(DAY_START, DAY_LAST)]  # 24 consecutive hours: one Query
    again = cache.samples(table, "living-room", DAY_START, DAY_LAST)
    assert counting.ranges == [(DAY_START, DAY_LAST)]
    assert [s.recorded_at for s in again] == [r.recorded_at for r in readings]
    assert again == first


def test_an_hour_with_a_late_reading_is_read_again(table: Table) -> None:
    """A reading arriving late for 10:00 (and its rollup) makes that hour, only, read again."""
    seed(table)
    counting = CountingReads()
    cache = HourCache(counting)
    cache.samples(table, "living-room", DAY_START, DAY_LAST)
    late = Reading(
        device_id="living-room",
        recorded_at=DAY_START + timedelta(hours=10, minutes=2, seconds=30),
        temperature_c=19.0,
        setpoint_c=19.0,
        heating=False,
    )
    hour = [
        r for r in stored_day("living-room", timedelta(minutes=5))[0] if r.recorded_at.hour == 10
    ] + [late]
    rollup = [item for item in stored_items(hour) if item["sk"] == "HOUR#2025-12-01T10"]
    put_items(
        table.client,
        [ReadingItem.new(late, received_at=datetime.now(UTC), retention_days=0).to_item(), *rollup],
    )
    rows = cache.samples(table, "living-room", DAY_START, DAY_LAST)
    ten = DAY_START + timedelta(hours=10)
    assert counting.ranges[1:] == [(ten, ten + timedelta(hours=1) - timedelta(milliseconds=1))]
    assert late.recorded_at in [s.recorded_at for s in rows]
    assert len(rows) == 289


def test_an_hour_without_a_rollup_is_never_kept(table: Table) -> None:
    """Readings the stream has not counted yet are read every time, not trusted from memory."""
    readings, _ = stored_day("office", timedelta(minutes=5))
    put_items(
        table.client,
        [
            ReadingItem.new(r, received_at=r.recorded_at, retention_days=0).to_item()
            for r in readings[:12]
        ],
    )
    counting = CountingReads()
    cache = HourCache(counting)
    hour_last = DAY_START + timedelta(hours=1) - timedelta(milliseconds=1)
    assert len(cache.samples(table, "office", DAY_START, hour_last)) == 12
    assert len(cache.samples(table, "office", DAY_START, hour_last)) == 12
    assert len(counting.ranges) == 2


def test_only_the_asked_part_of_an_hour_is_returned(table: Table) -> None:
    """A range starting mid-hour gets whole hours read but only its own readings back."""
    readings = seed(table)
    cache = HourCache(CountingReads())
    start = DAY_START + timedelta(hours=3, minutes=30)
    rows = cache.samples(table, "living-room", start, DAY_LAST)
    assert [s.recorded_at for s in rows] == [
        r.recorded_at for r in readings if r.recorded_at >= start
    ]


def test_the_least_recently_used_hours_are_dropped_first(table: Table) -> None:
    """With room for 24 hours, reading another day forgets the first."""
    seed(table)
    _, before = stored_day("living-room", timedelta(minutes=5), day=date(2025, 11, 30))
    put_items(table.client, [i for i in before if i["sk"] != "STATUS"])
    counting = CountingReads()
    cache = HourCache(counting, max_hours=24)
    cache.samples(table, "living-room", DAY_START, DAY_LAST)
    cache.samples(
        table, "living-room", DAY_START - timedelta(days=1), DAY_START - timedelta(milliseconds=1)
    )
    cache.samples(table, "living-room", DAY_START, DAY_LAST)
    assert len(counting.ranges) == 3


def test_a_budget_reads_the_newest_hours_only(table: Table) -> None:
    """Budget 50 readings of 12 an hour: the newest 4 hours are read (48), the rest is left."""
    readings = seed(table)
    counting = CountingReads()
    window = HourCache(counting).window(table, "living-room", DAY_START, DAY_LAST, budget=50)
    boundary = DAY_START + timedelta(hours=20)
    assert counting.ranges == [(boundary, DAY_LAST)]
    assert window.start == boundary
    assert window.samples == [
        Sample(r.recorded_at, r.temperature_c, r.setpoint_c, r.heating)
        for r in readings
        if r.recorded_at >= boundary
    ]
