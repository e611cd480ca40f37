"""One stream batch: parse the records, then update each device once.

Failures are tracked per record: a poison record fails alone; a device whose update fails
fails that device's records (all of them: its update is one unit, and safe to replay).
Everything else succeeds. Devices are updated a few at a time in parallel (each update is a
read and a write; boto3 clients are thread-safe).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from thermostat.items import RollupItem, sequence_after
from thermostat_stream import alerts
from thermostat_stream.device import DeviceUpdate, DeviceWrites, Expect
from thermostat_stream.heating import HeatingRules
from thermostat_stream.outbox import AlertOutbox
from thermostat_stream.records import PoisonRecord, ReadingChange, parse_record
from thermostat_stream.rollups import combine
from thermostat_stream.table import RollupTable, WriteConflict

PARALLEL_DEVICES = 8
CONFLICT_RETRIES = 3


@dataclass
class BatchOutcome:
    failed: list[str] = field(default_factory=list)
    hours: list[tuple[str, str]] = field(default_factory=list)
    days: list[tuple[str, str]] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)

    def response(self) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": seq} for seq in self.failed]}


class StreamProcessor:
    def __init__(
        self,
        table: RollupTable,
        outbox: AlertOutbox,
        bounds: alerts.AlertBounds,
        logger: logging.Logger,
        *,
        heating: HeatingRules | None = None,
        retention: timedelta | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.table = table
        self.outbox = outbox
        self.bounds = bounds
        self.heating = heating or HeatingRules()
        self.logger = logger
        self.retention = retention
        self.clock = clock
        self._pool: ThreadPoolExecutor | None = None

    def process(self, records: list[Any]) -> BatchOutcome:
        outcome = BatchOutcome()
        failed: set[str] = set()
        order, changes = self._parse(records, failed)
        by_device: dict[str, list[ReadingChange]] = defaultdict(list)
        for change in changes:
            by_device[change.device_id].append(change)
        devices = sorted(by_device)
        results = self._map(lambda d: self._attempt(d, by_device[d]), devices)
        for device_id, writes in zip(devices, results, strict=True):
            if writes is None:
                failed.update(change.sequence_number for change in by_device[device_id])
                continue
            outcome.devices.append(device_id)
            outcome.hours.extend((device_id, hour) for hour in writes.hours)
            outcome.days.extend((device_id, day) for day in writes.days)
        outcome.failed = [sequence for sequence in order if sequence in failed]
        return outcome

    def _map(self, step: Callable[[str], DeviceWrites | None], devices: list[str]) -> list[Any]:
        if len(devices) <= 1:
            return [step(device) for device in devices]
        if self._pool is None:  # kept for the life of the execution environment
            self._pool = ThreadPoolExecutor(PARALLEL_DEVICES, thread_name_prefix="device")
        return list(self._pool.map(step, devices))

    def _parse(self, records: list[Any], failed: set[str]) -> tuple[list[str], list[ReadingChange]]:
        order: list[str] = []
        changes: list[ReadingChange] = []
        for position, record in enumerate(records):
            sequence = _sequence_number(record)
            order.append(sequence)
            try:
                if not isinstance(record, dict):
                    raise PoisonRecord("a stream record must be an object")
                change = parse_record(record)
            except PoisonRecord as err:
                self.logger.error(
                    "poison record",
                    extra={"sequence_number": sequence, "position": position, "error": str(err)},
                )
                failed.add(sequence)
                continue
            if change is not None:
                changes.append(change)
        return order, changes

    def _attempt(self, device_id: str, changes: list[ReadingChange]) -> DeviceWrites | None:
        """Update one device, re-reading after a concurrent write; None if it failed."""
        try:
            for attempt in range(CONFLICT_RETRIES):
                try:
                    return self._device(device_id, changes, consistent=attempt > 0)
                except WriteConflict:
                    continue
            raise WriteConflict(f"{device_id}: still changing after {CONFLICT_RETRIES} tries")
        except Exception as err:
            self.logger.exception(
                "device update failed", extra={"device_id": device_id, "error": repr(err)}
            )
            return None

    def _device(
        self, device_id: str, changes: list[ReadingChange], *, consistent: bool
    ) -> DeviceWrites:
        status = self.table.get_status(device_id, consistent=consistent)
        applied = status.applied_sequence if status else None
        fresh = [c for c in changes if sequence_after(c.sequence_number, applied)]
        if not fresh:
            self.outbox.flush(status)  # a replay: only alerts a failed run left unpublished
            return DeviceWrites()
        update = DeviceUpdate(
            self.table,
            device_id,
            status,
            bounds=self.bounds,
            heating=self.heating,
            retention=self.retention,
            now=self.clock(),
        )
        for change in sorted(
            fresh, key=lambda c: (c.recorded_at, _sequence_key(c.sequence_number))
        ):
            update.apply(change)
        readings = [c.stored for c in fresh if c.stored is not None]
        last = max((c.sequence_number for c in fresh), key=_sequence_key)
        update.observe(readings, last)
        writes = update.writes
        self._write(device_id, writes)
        if writes.status is not None:
            recorded = self.outbox.record(writes.status, writes.alerts)
            self.table.put_status(recorded, previous=status)
            self.outbox.flush(recorded)
        return writes

    def _write(self, device_id: str, writes: DeviceWrites) -> None:
        for write in writes.hours.values():
            if write.item is None:
                self.table.delete_rollup(device_id, "hourly", write.hour)
            elif write.expect is Expect.ANYTHING:
                self.table.put_rollup(write.item)
            else:
                self.table.put_rollup(write.item, conditional=True, previous=write.expect)
        for day in writes.days:
            stats = combine(hour.stats for hour in self.table.day_hours(device_id, day))
            if stats is None:
                self.table.delete_rollup(device_id, "daily", day)
            else:
                self.table.put_rollup(RollupItem(device_id, "daily", day, stats))
        if writes.hours:
            self.logger.info(
                "rollups written",
                extra={"device_id": device_id, "hours": sorted(writes.hours), "days": writes.days},
            )


def _sequence_key(sequence: str) -> tuple[int, str]:
    return (len(sequence), sequence)


def _in_time_order(change: ReadingChange) -> tuple[datetime, tuple[int, str]]:
    return change.recorded_at, _sequence_key(change.sequence_number)


def _sequence_number(record: Any) -> str:
    """The record's SequenceNumber, or "" (Lambda then retries the whole batch)."""
    change = record.get("dynamodb") if isinstance(record, dict) else None
    sequence = change.get("SequenceNumber") if isinstance(change, dict) else None
    return sequence if isinstance(sequence, str) else ""
