"""A simulated day of one thermostat, and the rollup and status items that go with it.

For the README chart, demos and tests: a small two-node thermal model (radiator and
room) under a day/night setpoint schedule and a hysteresis controller, so heating
periods, overshoot and cooling look like a real house in winter.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import groupby
from typing import Any

from thermostat.contract import Reading, format_timestamp
from thermostat.items import (
    ITEM_TYPE_DAILY,
    ITEM_TYPE_HOURLY,
    ITEM_TYPE_STATUS,
    STATUS_INDEX_KEY,
    STATUS_SK,
    day_label,
    day_sk,
    device_pk,
    hour_label,
    hour_sk,
    to_decimal,
)

# (local time it starts, setpoint in C): a common winter programme.
SCHEDULE = (
    (time(0), 17.0),
    (time(6, 30), 21.0),
    (time(8, 30), 19.0),
    (time(17, 0), 21.5),
    (time(22, 30), 17.0),
)
HYSTERESIS_C = 0.5
# The radiator heads for its flow temperature (or cools to the room) with a time
# constant; per minute, the room takes a share of the difference to the radiator and
# loses a share of the difference to outside.
RADIATOR_HOT_C = 50.0
RADIATOR_MINUTES = 4.0
RADIATOR_TO_ROOM = 0.006
ROOM_TO_OUTSIDE = 0.003
# When a reading reaches the table after it was taken.
DELIVERY_DELAY = timedelta(seconds=2)


def setpoint_at(local: time) -> float:
    current = SCHEDULE[0][1]
    for starts, value in SCHEDULE:
        if local >= starts:
            current = value
    return current


def outside_at(hours: float) -> float:
    """A clear winter day: coldest before dawn (-2 C), warmest mid-afternoon (6 C)."""
    return 2.0 + 4.0 * math.sin(2 * math.pi * (hours - 9.0) / 24.0)


def simulate_day(
    device_id: str,
    day: date,
    tz: tzinfo,
    *,
    interval: timedelta = timedelta(minutes=1),
    seed: int = 1,
) -> list[Reading]:
    """One reading per ``interval`` from local midnight to midnight, reproducible by ``seed``."""
    rng = random.Random(seed)  # noqa: S311 - reproducible noise, not secrets
    start = datetime.combine(day, time(0), tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
    minutes = interval.total_seconds() / 60
    room, radiator, heating = 17.4, 17.4, False
    readings = []
    moment = start
    while moment < end:
        local = moment.astimezone(tz)
        setpoint = setpoint_at(local.time())
        hours = local.hour + local.minute / 60
        # Small steps keep the model stable whatever the reading interval.
        for _ in range(max(1, round(minutes))):
            step = minutes / max(1, round(minutes))
            target = RADIATOR_HOT_C if heating else room
            radiator += step * (target - radiator) / RADIATOR_MINUTES
            room += step * (RADIATOR_TO_ROOM * (radiator - room))
            room -= step * ROOM_TO_OUTSIDE * (room - outside_at(hours))
        # The DS18B20 reports in 1/16 C steps, with a little noise.
        measured = round((room + rng.gauss(0, 0.03)) * 16) / 16
        if measured < setpoint - HYSTERESIS_C:
            heating = True
        elif measured > setpoint + HYSTERESIS_C:
            heating = False
        readings.append(
            Reading(
                device_id=device_id,
                recorded_at=moment,
                temperature_c=measured,
                setpoint_c=setpoint,
                heating=heating,
            )
        )
        moment += interval
    return readings


def _rollup(kind: str, label: str, start: datetime, group: Sequence[Reading]) -> dict[str, Any]:
    temps = [r.temperature_c for r in group]
    return {
        "pk": device_pk(group[0].device_id),
        "sk": hour_sk(label) if kind == ITEM_TYPE_HOURLY else day_sk(label),
        "item_type": kind,
        "device_id": group[0].device_id,
        "period": label,
        "period_start": format_timestamp(start),
        "reading_count": len(group),
        "temperature_min_c": to_decimal(min(temps)),
        "temperature_max_c": to_decimal(max(temps)),
        "temperature_mean_c": to_decimal(round(statistics.fmean(temps), 3)),
        "setpoint_mean_c": to_decimal(round(statistics.fmean(r.setpoint_c for r in group), 3)),
        "heating_duty_cycle": to_decimal(round(sum(r.heating for r in group) / len(group), 4)),
        "first_recorded_at": group[0].timestamp,
        "last_recorded_at": group[-1].timestamp,
        "computed_at": format_timestamp(datetime.now(UTC)),
    }


def rollup_items(readings: Iterable[Reading]) -> list[dict[str, Any]]:
    """Hourly and daily rollup items (UTC periods), as the stream function computes them."""
    ordered = sorted(readings, key=lambda r: r.recorded_at)
    items = []
    for label, hour in groupby(ordered, key=lambda r: hour_label(r.recorded_at)):
        start = datetime.strptime(label, "%Y-%m-%dT%H").replace(tzinfo=UTC)
        items.append(_rollup(ITEM_TYPE_HOURLY, label, start, list(hour)))
    for label, whole_day in groupby(ordered, key=lambda r: day_label(r.recorded_at)):
        start = datetime.strptime(label, "%Y-%m-%d").replace(tzinfo=UTC)
        items.append(_rollup(ITEM_TYPE_DAILY, label, start, list(whole_day)))
    return items


def status_item(newest: Reading, *, seen_at: datetime | None = None) -> dict[str, Any]:
    """The device's status item, as if ``newest`` was its last reading."""
    seen = seen_at or newest.recorded_at + DELIVERY_DELAY
    return {
        "pk": device_pk(newest.device_id),
        "sk": STATUS_SK,
        "item_type": ITEM_TYPE_STATUS,
        STATUS_INDEX_KEY: STATUS_SK,
        "device_id": newest.device_id,
        "last_recorded_at": newest.timestamp,
        "last_seen_at": format_timestamp(seen),
        "temperature_c": to_decimal(newest.temperature_c),
        "setpoint_c": to_decimal(newest.setpoint_c),
        "heating": newest.heating,
        "alert_state": "normal",
        "alert_changed_at": newest.timestamp,
    }
