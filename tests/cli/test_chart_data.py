"""What the chart draws from the readings: heating spans and breaks at missing data."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from tests.support.readings import reading_at
from thermostat.contract import Reading
from thermostat_cli.chart import _with_gaps, heating_spans

T0 = datetime(2025, 12, 1, 6, tzinfo=UTC)


def readings(*states: tuple[int, bool]) -> list[Reading]:
    """Readings at T0 + minutes, with the given heating state."""
    return [reading_at(at(m), temperature_c=19.0, heating=on) for m, on in states]


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_run_lasts_until_the_next_reading() -> None:
    """Heating on at 1 and 2, off at 3: the span is 1..3."""
    data = readings((0, False), (1, True), (2, True), (3, False), (4, True), (5, False))
    assert heating_spans(data) == [(at(1), at(3)), (at(4), at(5))]


def test_a_run_does_not_bridge_missing_data() -> None:
    """On at 3, then nothing until 60: the span ends one usual interval after 3."""
    data = readings((0, False), (1, False), (2, True), (3, True), (60, True), (61, False))
    assert heating_spans(data) == [(at(2), at(4)), (at(60), at(61))]


def test_lines_break_where_data_is_missing() -> None:
    """A gap longer than the limit puts one NaN between the two sides of the gap."""
    data = readings((0, False), (1, False), (2, False), (60, False), (61, False))
    xs, ys = _with_gaps(data, "temperature_c")
    assert len(xs) == 6
    assert math.isnan(ys[3])
    assert xs[2] < xs[3] < xs[4]
