"""One device's share of a stream batch: fold new readings into its rollups and status.

The status item carries the device's open hour (the current hour's rollup), so a batch of
new readings costs one status read and one status write, however many readings the hour
already has. An hour is written as its own item when a later hour opens ("closed"); a
reading that arrives for a closed hour is folded into that item (merged, never replaced, so
an hour whose readings have expired by TTL keeps its figures). Each item remembers the
newest stream record folded into it, so a replayed record changes nothing.

A reading changed or deleted by hand (MODIFY, or a REMOVE not made by TTL) makes its hour
be recomputed from the table; readings received before that recompute are then in it, and
their INSERT records fold nothing more. Hours older than the retention period are never
recomputed: their readings may have expired, and a rollup must not shrink.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.Lambda.html
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum

from thermostat.items import (
    AlertItem,
    ReadingItem,
    RollupItem,
    RollupStats,
    Sample,
    StatusItem,
    hour_label,
    period_start,
    sequence_after,
)
from thermostat_stream import alerts
from thermostat_stream.heating import HeatingRules, HeatingRun
from thermostat_stream.heating import fault as heating_fault
from thermostat_stream.heating import step as heating_step
from thermostat_stream.records import ReadingChange
from thermostat_stream.rollups import add, summarize
from thermostat_stream.silence import came_back
from thermostat_stream.table import RollupTable


class Expect(Enum):
    """What a closed hour's write requires of the item in the table."""

    ANYTHING = "anything"  # closing the open hour: the item is new, or this very one again


@dataclass
class HourWrite:
    hour: str
    expect: RollupItem | Expect | None  # as read (conditional write), or ANYTHING
    item: RollupItem | None  # None: delete (every reading of it was deleted by hand)


@dataclass
class DeviceWrites:
    """What one device's records change: closed hours, then days, then the status."""

    hours: dict[str, HourWrite] = field(default_factory=dict)
    status: StatusItem | None = None
    alerts: list[AlertItem] = field(default_factory=list)

    @property
    def days(self) -> list[str]:
        return sorted({hour[:10] for hour in self.hours})


class DeviceUpdate:
    """Applies one device's fresh records (in time order) to its rollups and status."""

    def __init__(
        self,
        table: RollupTable,
        device_id: str,
        status: StatusItem | None,
        *,
        bounds: alerts.AlertBounds,
        heating: HeatingRules,
        retention: timedelta | None,
        now: datetime,
    ) -> None:
        self.table, self.device_id = table, device_id
        self.previous = status
        self.bounds, self.heating, self.retention, self.now = bounds, heating, retention, now
        self.open: RollupItem | None = status.open_hour if status else None
        self.writes = DeviceWrites()
        self._read: dict[str, RollupItem | None] = {}  # closed hours as read from the table

    # --- rollups --------------------------------------------------------------------------

    def apply(self, change: ReadingChange) -> None:
        if change.expired:
            return  # TTL expiry: the rollups keep the history
        hour = hour_label(change.recorded_at)
        if change.event_name == "INSERT" and change.reading is not None:
            self._fold(hour, Sample.of(change.reading), change)
        else:  # a reading changed or deleted by hand
            self._recompute(hour, change.sequence_number)

    def _fold(self, hour: str, sample: Sample, change: ReadingChange) -> None:
        sequence = change.sequence_number
        if self.open is not None and hour > self.open.period:
            closing = self.open
            self.writes.hours[closing.period] = HourWrite(closing.period, Expect.ANYTHING, closing)
            self.open = None
        if self.open is None and self._closed(hour) is None:
            self.open = RollupItem(self.device_id, "hourly", hour, _stats(sample), sequence)
            return
        if self.open is not None and hour == self.open.period:
            if not _already_in(self.open, change):
                self.open = replace(
                    self.open, stats=_added(self.open, sample), applied_sequence=sequence
                )
            return
        current = self._closed(hour)
        if current is not None and (
            not sequence_after(sequence, current.applied_sequence) or _already_in(current, change)
        ):
            return
        merged = RollupItem(
            self.device_id,
            "hourly",
            hour,
            _added(current, sample),
            sequence,
            current.recomputed_at if current else None,
        )
        self._write_closed(hour, merged)

    def _recompute(self, hour: str, sequence: str) -> None:
        if self.retention is not None and period_start("hourly", hour) < self.now - self.retention:
            return  # its readings may have expired: recomputing would shrink it
        stats = summarize(self.table.hour_samples(self.device_id, hour))
        item = None
        if stats is not None:
            item = RollupItem(self.device_id, "hourly", hour, stats, sequence, self.now)
        if self.open is not None and hour == self.open.period:
            self.open = item
        else:
            self._write_closed(hour, item)

    def _closed(self, hour: str) -> RollupItem | None:
        """The closed hour as this batch leaves it (written here, else as in the table)."""
        if hour in self.writes.hours:
            return self.writes.hours[hour].item
        if hour not in self._read:
            self._read[hour] = self.table.get_hour(self.device_id, hour)
        return self._read[hour]

    def _write_closed(self, hour: str, item: RollupItem | None) -> None:
        earlier = self.writes.hours.get(hour)
        expect = earlier.expect if earlier else self._read.get(hour)
        self.writes.hours[hour] = HourWrite(hour, expect, item)

    # --- status ---------------------------------------------------------------------------

    def observe(self, readings: list[ReadingItem], last_sequence: str) -> None:
        """Order the device's new readings by when they were received, then taken: a Pi whose
        clock stepped back still updates its status and can raise an alert."""
        status = self.previous
        current = (status.last_seen_at, status.last_recorded_at) if status else None
        newer = sorted(
            (
                item
                for item in readings
                if current is None or (item.received_at, item.reading.recorded_at) > current
            ),
            key=lambda item: (item.received_at, item.reading.recorded_at),
        )
        state = alerts.alert_state(status.alert_state if status else "normal")
        new_state, transitions = alerts.transitions(
            state, [item.reading for item in newer], self.bounds
        )
        found = [alerts.describe(transition) for transition in transitions]
        run = HeatingRun(
            status.heating_since if status else None,
            status.heating_start_c if status else None,
            heating_fault(status.heating_fault if status else "ok"),
        )
        for item in newer:
            run, heating_alert = heating_step(run, item.reading, self.heating)
            if heating_alert is not None:
                found.append(heating_alert)
        if newer:
            back = came_back(status, newer[0].received_at)
            if back is not None:
                found.insert(0, back)
        self.writes.alerts = found
        updated: StatusItem | None = status
        if newer:
            newest = newer[-1]
            latest = newest.reading
            changed_at = status.alert_changed_at if status else None
            report = newest.report or (status.report if status else None)
            updated = StatusItem(
                device_id=self.device_id,
                last_recorded_at=latest.recorded_at,
                last_seen_at=newest.received_at,
                temperature_c=latest.temperature_c,
                setpoint_c=latest.setpoint_c,
                heating=latest.heating,
                alert_state=new_state,
                alert_changed_at=transitions[-1].reading.recorded_at if transitions else changed_at,
                pending_alerts=status.pending_alerts if status else (),
                report=report,
                settings_applied_at=_applied_at(status, newer),
                caller_key=newest.caller_key or (status.caller_key if status else None),
                silent_since=None,  # it reports
                heating_since=run.since,
                heating_start_c=run.start_c,
                heating_fault=run.fault,
            )
        if updated is not None:  # None: only hand-made changes, for a device never heard from
            self.writes.status = replace(
                updated,
                open_hour=self.open,
                applied_sequence=last_sequence,
                version=(status.version if status else 0) + 1,
            )


def _applied_at(status: StatusItem | None, newer: list[ReadingItem]) -> datetime | None:
    """When the device first reported the settings version it reports now."""
    version = status.report.settings_version if status and status.report else None
    applied_at = status.settings_applied_at if status else None
    for item in newer:
        reported = item.report.settings_version if item.report else None
        if reported is not None and reported != version:
            version, applied_at = reported, item.received_at
    return applied_at


def _stats(sample: Sample) -> RollupStats:
    stats = add(None, [sample])
    assert stats is not None
    return stats


def _added(item: RollupItem | None, sample: Sample) -> RollupStats:
    stats = add(item.stats if item else None, [sample])
    assert stats is not None
    return stats


def _already_in(item: RollupItem, change: ReadingChange) -> bool:
    """A reading received before the hour was last recomputed is in it already."""
    return (
        item.recomputed_at is not None
        and change.received_at is not None
        and change.received_at <= item.recomputed_at
    )
