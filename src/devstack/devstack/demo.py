"""Demo data: a simulated day of one thermostat, stored exactly as the functions store it.

The readings come from the Pi's own control loop in a simulated house
(:mod:`thermostat_pi.simulation`), the rollups from the stream function's arithmetic
(:mod:`thermostat_stream.rollups`), every item from the table's types
(:mod:`thermostat.items`), and the writes from the ingest function's store. Used by
``thermostat-devstack seed-demo``, the README's chart and the tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import groupby
from typing import TYPE_CHECKING, Any

from thermostat.contract import Reading
from thermostat.items import (
    ReadingItem,
    RollupItem,
    Sample,
    StatusItem,
    hour_label,
    table_definition,
)
from thermostat_ingest.store import ReadingStore
from thermostat_pi.simulation import simulate_readings
from thermostat_stream.rollups import combine, summarize

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# (local time it starts, setpoint in C): a common winter programme.
DEMO_SCHEDULE = (
    (time(0), 17.0),
    (time(6, 30), 21.0),
    (time(8, 30), 19.0),
    (time(17, 0), 21.5),
    (time(22, 30), 17.0),
)
# When a reading reaches the table after it was taken.
DELIVERY_DELAY = timedelta(seconds=2)


def demo_setpoint(local: time) -> float:
    current = DEMO_SCHEDULE[0][1]
    for starts, value in DEMO_SCHEDULE:
        if local >= starts:
            current = value
    return current


def simulate_day(
    device_id: str,
    day: date,
    tz: tzinfo,
    *,
    interval: timedelta = timedelta(minutes=1),
    seed: int = 1,
) -> list[Reading]:
    """One reading per ``interval`` from local midnight to midnight, reproducible by ``seed``."""
    start = datetime.combine(day, time(0), tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
    return simulate_readings(
        device_id,
        start,
        end,
        interval=interval,
        setpoint_at=lambda moment: demo_setpoint(moment.astimezone(tz).time()),
        tz=tz,
        seed=seed,
    )


def rollup_items(readings: Iterable[Reading]) -> list[RollupItem]:
    """Hourly and daily rollups (UTC periods), by the stream function's own arithmetic."""
    ordered = sorted(readings, key=lambda r: r.recorded_at)
    rollups: list[RollupItem] = []
    hours: dict[tuple[str, str], RollupItem] = {}
    for (device_id, hour), group in groupby(
        ordered, key=lambda r: (r.device_id, hour_label(r.recorded_at))
    ):
        stats = summarize(Sample.of(r) for r in group)
        assert stats is not None  # a group is never empty
        hours[(device_id, hour)] = RollupItem(device_id, "hourly", hour, stats)
    rollups.extend(hours.values())
    for (device_id, day), day_hours in groupby(
        hours.values(), key=lambda h: (h.device_id, h.period[:10])
    ):
        stats = combine(h.stats for h in day_hours)
        assert stats is not None
        rollups.append(RollupItem(device_id, "daily", day, stats))
    return rollups


def status_item(newest: Reading, *, seen_at: datetime | None = None) -> StatusItem:
    """The device's status item, as if ``newest`` was its last reading."""
    return StatusItem(
        device_id=newest.device_id,
        last_recorded_at=newest.recorded_at,
        last_seen_at=seen_at or newest.recorded_at + DELIVERY_DELAY,
        temperature_c=newest.temperature_c,
        setpoint_c=newest.setpoint_c,
        heating=newest.heating,
    )


def reading_items(
    readings: Sequence[Reading], *, retention_days: int = 0, caller: str | None = None
) -> list[dict[str, Any]]:
    """The items the ingest function would have written for these readings."""
    return [
        ReadingItem.new(
            r,
            received_at=r.recorded_at + DELIVERY_DELAY,
            retention_days=retention_days,
            caller=caller,
        ).to_item()
        for r in readings
    ]


def stored_items(
    readings: Sequence[Reading], *, retention_days: int = 0, caller: str | None = None
) -> list[dict[str, Any]]:
    """Every item both functions would have written for these readings of one device."""
    items = reading_items(readings, retention_days=retention_days, caller=caller)
    items += [rollup.to_item() for rollup in rollup_items(readings)]
    items.append(status_item(max(readings, key=lambda r: r.recorded_at)).to_item())
    return items


def create_table(client: DynamoDBClient, name: str) -> None:
    """A table with the template's key schema and status index, on a bare emulator."""
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **table_definition())
    client.get_waiter("table_exists").wait(TableName=name)


def write_items(client: DynamoDBClient, table: str, items: Sequence[dict[str, Any]]) -> None:
    """BatchWriteItem in 25s with the ingest function's retries (keys must be unique)."""
    ReadingStore(client, table, write_rounds=8).put_all(items)
