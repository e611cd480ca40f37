"""One stream batch: parse, recompute each affected hour and day once, update each device once.

Failures are tracked per record: a poison record fails alone, a failed hour fails the records
of that hour, a failed device update fails that device's records. Everything else succeeds.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from typing import Any

from thermostat.items import RollupItem, RollupKind, RollupStats, StatusItem, hour_label
from thermostat_stream import alerts
from thermostat_stream.publisher import AlertPublisher
from thermostat_stream.records import PoisonRecord, ReadingChange, parse_record
from thermostat_stream.rollups import combine, summarize
from thermostat_stream.table import RollupTable

Group = dict[tuple[str, str], list[ReadingChange]]


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
        publisher: AlertPublisher,
        bounds: alerts.AlertBounds,
        logger: logging.Logger,
    ) -> None:
        self.table = table
        self.publisher = publisher
        self.bounds = bounds
        self.logger = logger

    def process(self, records: list[Any]) -> BatchOutcome:
        outcome = BatchOutcome()
        self._failed: set[str] = set()
        order, changes = self._parse(records)

        by_hour: Group = defaultdict(list)
        for change in changes:
            if not change.expired:  # TTL expiry: the rollups keep the history
                by_hour[(change.device_id, hour_label(change.recorded_at))].append(change)

        by_day: Group = defaultdict(list)
        for (device_id, hour), members in sorted(by_hour.items()):
            if self._attempt(members, partial(self._hour, device_id, hour), "hourly rollup"):
                outcome.hours.append((device_id, hour))
                by_day[(device_id, hour[:10])].extend(members)

        for (device_id, day), members in sorted(by_day.items()):
            if self._attempt(members, partial(self._day, device_id, day), "daily rollup"):
                outcome.days.append((device_id, day))

        by_device: dict[str, list[ReadingChange]] = defaultdict(list)
        for change in changes:
            if change.reading is not None and change.sequence_number not in self._failed:
                by_device[change.device_id].append(change)
        for device_id, members in sorted(by_device.items()):
            if self._attempt(members, partial(self._device, device_id, members), "status"):
                outcome.devices.append(device_id)

        outcome.failed = [sequence for sequence in order if sequence in self._failed]
        return outcome

    def _parse(self, records: list[Any]) -> tuple[list[str], list[ReadingChange]]:
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
                self._failed.add(sequence)
                continue
            if change is not None:
                changes.append(change)
        return order, changes

    def _attempt(self, members: list[ReadingChange], step: Callable[[], None], what: str) -> bool:
        """Run one step for a group of records; on failure, fail exactly those records."""
        if any(member.sequence_number in self._failed for member in members):
            # An earlier step failed for some of them: they will be retried, this step with them.
            self._failed.update(member.sequence_number for member in members)
            return False
        try:
            step()
        except Exception as err:
            self.logger.exception(f"{what} failed", extra={"error": repr(err)})
            self._failed.update(member.sequence_number for member in members)
            return False
        return True

    def _hour(self, device_id: str, hour: str) -> None:
        stats = summarize(self.table.hour_samples(device_id, hour))
        self._write_rollup(device_id, "hourly", hour, stats)

    def _day(self, device_id: str, day: str) -> None:
        stats = combine(item.stats for item in self.table.day_hours(device_id, day))
        self._write_rollup(device_id, "daily", day, stats)

    def _write_rollup(
        self, device_id: str, kind: RollupKind, period: str, stats: RollupStats | None
    ) -> None:
        if stats is None:  # every reading of the period was deleted
            self.table.delete_rollup(device_id, kind, period)
        else:
            self.table.put_rollup(RollupItem(device_id, kind, period, stats))
        self.logger.info(
            f"{kind} rollup",
            extra={"device_id": device_id, "period": period, "rollup": stats and asdict(stats)},
        )

    def _device(self, device_id: str, members: list[ReadingChange]) -> None:
        status = self.table.get_status(device_id)
        last_recorded = status.last_recorded_at if status else None
        last_seen = status.last_seen_at if status else None
        newer = [
            m.reading
            for m in members
            if m.reading is not None
            and (last_recorded is None or m.reading.recorded_at > last_recorded)
        ]
        seen = max(m.received_at for m in members if m.received_at is not None)
        if not newer and last_seen is not None and seen <= last_seen:
            return  # a replay or an old backlog: nothing about the device changed
        state = alerts.alert_state(status.alert_state if status else "normal")
        new_state, transitions = alerts.transitions(state, newer, self.bounds)
        # Publish before recording the new state: an alert may repeat after a crash, never vanish.
        for transition in transitions:
            self.publisher.publish(transition)
        seen = max(seen, last_seen or seen)
        if newer:
            latest = max(newer, key=lambda r: r.recorded_at)
            update = StatusItem(
                device_id=device_id,
                last_recorded_at=latest.recorded_at,
                last_seen_at=seen,
                temperature_c=latest.temperature_c,
                setpoint_c=latest.setpoint_c,
                heating=latest.heating,
                alert_state=new_state,
                alert_changed_at=(
                    transitions[-1].reading.recorded_at
                    if transitions
                    else (status.alert_changed_at if status else None)
                ),
            )
        else:
            assert status is not None  # no newer reading, yet a later arrival: status exists
            update = replace(status, last_seen_at=seen)
        self.table.put_status(update, previous_seen=last_seen)


def _sequence_number(record: Any) -> str:
    """The record's SequenceNumber, or "" (Lambda then retries the whole batch)."""
    change = record.get("dynamodb") if isinstance(record, dict) else None
    sequence = change.get("SequenceNumber") if isinstance(change, dict) else None
    return sequence if isinstance(sequence, str) else ""
