"""One stream batch: parse, recompute each affected hour and day once, update each device once.

Failures are tracked per record: a poison record fails alone, a failed hour fails the records
of that hour, a failed device update fails that device's records. Everything else succeeds.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from thermostat.contract import format_timestamp
from thermostat.items import ITEM_TYPE_DAILY, ITEM_TYPE_HOURLY, hour_label
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
        self.table.write_rollup(device_id, ITEM_TYPE_HOURLY, hour, f"{hour}:00:00.000Z", stats)
        self.logger.info(
            "hourly rollup",
            extra={"device_id": device_id, "hour": hour, "rollup": stats and stats.attributes()},
        )

    def _day(self, device_id: str, day: str) -> None:
        stats = combine(self.table.day_hours(device_id, day))
        self.table.write_rollup(device_id, ITEM_TYPE_DAILY, day, f"{day}T00:00:00.000Z", stats)
        self.logger.info(
            "daily rollup",
            extra={"device_id": device_id, "day": day, "rollup": stats and stats.attributes()},
        )

    def _device(self, device_id: str, members: list[ReadingChange]) -> None:
        status = self.table.get_status(device_id) or {}
        last_recorded = status.get("last_recorded_at")
        last_seen = status.get("last_seen_at")
        newer = [
            m.reading
            for m in members
            if m.reading is not None
            and (last_recorded is None or m.reading.timestamp > last_recorded)
        ]
        seen = max(format_timestamp(m.received_at) for m in members if m.received_at is not None)
        if not newer and last_seen is not None and seen <= last_seen:
            return  # a replay or an old backlog: nothing about the device changed
        state: alerts.AlertState = status.get("alert_state", "normal")
        new_state, transitions = alerts.transitions(state, newer, self.bounds)
        # Publish before recording the new state: an alert may repeat after a crash, never vanish.
        for transition in transitions:
            self.publisher.publish(transition)
        update: dict[str, Any] = {**status, "device_id": device_id}
        update["last_seen_at"] = max(seen, last_seen or seen)
        if newer:
            latest = max(newer, key=lambda r: r.recorded_at)
            update.update(
                last_recorded_at=latest.timestamp,
                temperature_c=latest.temperature_c,
                setpoint_c=latest.setpoint_c,
                heating=latest.heating,
                alert_state=new_state,
            )
            if transitions:
                update["alert_changed_at"] = transitions[-1].reading.timestamp
        for key in ("pk", "sk", "item_type", "status_key"):
            update.pop(key, None)
        self.table.put_status(_decimals(update), previous_seen=last_seen)


def _sequence_number(record: Any) -> str:
    """The record's SequenceNumber, or "" (Lambda then retries the whole batch)."""
    change = record.get("dynamodb") if isinstance(record, dict) else None
    sequence = change.get("SequenceNumber") if isinstance(change, dict) else None
    return sequence if isinstance(sequence, str) else ""


def _decimals(values: dict[str, Any]) -> dict[str, Any]:
    from decimal import Decimal

    return {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in values.items()}
