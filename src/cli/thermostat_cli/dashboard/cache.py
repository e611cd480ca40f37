"""Readings already read, kept by hour, and trusted only while the hour's rollup agrees.

A stored reading is never changed (ingest writes conditionally; an identical resend is a
no-op), so an hour's readings only grow. The hourly rollup counts them (the open hour's count
is on the device's status). So an hour read before is still complete when its rollup counts
as many readings as we hold: the chart of a day then costs one Query of 24 rollups instead of
1440 readings. An hour whose count differs (new or late readings, or a rollup the stream has
not written yet) is read again; hours next to each other are read with one Query.

A range first looked at reads its newest hours only, up to a budget of readings (the rollups
count them before they are read), so the chart draws at once however many readings the
range holds; the page then asks for the older hours (``before=``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from thermostat.items import Sample, hour_label, period_start
from thermostat_cli.queries import Table
from thermostat_cli.timerange import ONE_MS, TimeRange

HOUR = timedelta(hours=1)
MAX_HOURS = 24 * 45  # about a month of one device, or a day of forty-five

ReadHours = Callable[[Table, str, datetime, datetime], list[Sample]]


@dataclass(frozen=True)
class Window:
    """Readings from ``start`` on, oldest first; what is older than ``start`` was not read."""

    samples: list[Sample]
    start: datetime


def _hours(first: datetime, last: datetime) -> Iterator[str]:
    moment = period_start("hourly", hour_label(first))
    while moment <= last:
        yield hour_label(moment)
        moment += HOUR


class HourCache:
    """Samples per (table, device, hour), least recently used dropped first."""

    def __init__(self, read: ReadHours, max_hours: int = MAX_HOURS) -> None:
        self._read = read
        self._max = max_hours
        self._hours: OrderedDict[tuple[str, str, str], list[Sample]] = OrderedDict()
        self._lock = threading.Lock()

    def samples(
        self, table: Table, device_id: str, first: datetime, last: datetime
    ) -> list[Sample]:
        """The device's readings from ``first`` to ``last`` (both included), oldest first."""
        return self.window(table, device_id, first, last).samples

    def window(
        self,
        table: Table,
        device_id: str,
        first: datetime,
        last: datetime,
        *,
        budget: int | None = None,
    ) -> Window:
        """The device's readings up to ``last``, back to ``first`` or, with a ``budget``, back
        to where reading more hours would read more than ``budget`` readings (by their rollups'
        counts; at least one hour is read): the newest part of a range comes first."""
        span = TimeRange(first, last + ONE_MS, UTC)
        counts = {r.period: r.stats.reading_count for r in table.rollups(device_id, span, "hourly")}
        held: dict[str, list[Sample]] = {}
        missing: list[str] = []
        start, expected = first, 0
        for hour in reversed(list(_hours(first, last))):
            cached = self._get((table.name, device_id, hour))
            if cached is not None and len(cached) == counts.get(hour, -1):
                held[hour] = cached
                continue
            count = counts.get(hour, 0)
            if budget is not None and missing and expected + count > budget:
                start = period_start("hourly", hour) + HOUR  # this hour and older: next time
                break
            expected += count
            missing.insert(0, hour)
        for run in _runs(missing):
            begin = period_start("hourly", run[0])
            end = period_start("hourly", run[-1]) + HOUR - ONE_MS
            by_hour: dict[str, list[Sample]] = {hour: [] for hour in run}
            for sample in self._read(table, device_id, begin, end):
                by_hour[hour_label(sample.recorded_at)].append(sample)
            for hour, rows in by_hour.items():
                held[hour] = rows
                if len(rows) == counts.get(hour, -1):  # the rollup agrees: complete
                    self._put((table.name, device_id, hour), rows)
        samples = [
            sample
            for hour in sorted(held)
            for sample in held[hour]
            if start <= sample.recorded_at <= last
        ]
        return Window(samples, start)

    def _get(self, key: tuple[str, str, str]) -> list[Sample] | None:
        with self._lock:
            rows = self._hours.get(key)
            if rows is not None:
                self._hours.move_to_end(key)
            return rows

    def _put(self, key: tuple[str, str, str], rows: list[Sample]) -> None:
        with self._lock:
            self._hours[key] = rows
            self._hours.move_to_end(key)
            while len(self._hours) > self._max:
                self._hours.popitem(last=False)


def _runs(hours: list[str]) -> Iterator[list[str]]:
    """Consecutive hours grouped, so that each group is one key-range Query."""
    run: list[str] = []
    for hour in hours:
        if run and period_start("hourly", hour) - period_start("hourly", run[-1]) != HOUR:
            yield run
            run = []
        run.append(hour)
    if run:
        yield run
