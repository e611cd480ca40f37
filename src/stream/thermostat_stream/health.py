"""The health check: finds silent devices, on a schedule (EventBridge ``rate(N minutes)``).

Silence needs a clock, not a reading, so this runs from the template's schedule (and, locally,
from the data plane's). One Query on the status index lists the devices, never a Scan. A
device that has gone silent gets its alert recorded on its status item with a versioned write,
so of any number of concurrent runs only one records it; the outbox then publishes it once.
Alerts a failed run left unpublished are published here too.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from thermostat.items import StatusItem
from thermostat.logs import get_logger
from thermostat_stream.outbox import AlertOutbox
from thermostat_stream.settings import HealthSettings
from thermostat_stream.silence import mark_silent, went_silent
from thermostat_stream.table import RollupTable, WriteConflict

logger = get_logger("health")


@dataclass
class CheckOutcome:
    devices: int = 0
    silent: list[str] = field(default_factory=list)  # newly silent in this run


class HealthCheck:
    def __init__(
        self,
        table: RollupTable,
        outbox: AlertOutbox,
        *,
        silent_after: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.table, self.outbox = table, outbox
        self.silent_after, self.clock = silent_after, clock

    def run(self) -> CheckOutcome:
        outcome = CheckOutcome()
        for status in self.table.statuses():
            outcome.devices += 1
            if self._check(status):
                outcome.silent.append(status.device_id)
        return outcome

    def _check(self, status: StatusItem) -> bool:
        """Record and publish the device's silence if it just went silent; True if so."""
        alert = went_silent(status, self.clock(), self.silent_after)
        if alert is None:
            self.outbox.flush(status)  # anything a failed run left unpublished
            return False
        silent = self.outbox.record(
            replace(mark_silent(status), version=status.version + 1), [alert]
        )
        try:
            self.table.put_status(silent, previous=status)
        except WriteConflict:
            return False  # another run (or a reading) changed it first: it decides
        self.outbox.flush(silent)
        return True


def build_check(environ: dict[str, str] | None = None) -> HealthCheck:
    settings = HealthSettings.from_env(os.environ if environ is None else environ)
    outbox = AlertOutbox.from_settings(settings, logger)
    return HealthCheck(
        outbox.table, outbox, silent_after=timedelta(minutes=settings.device_silent_after_minutes)
    )


_check: HealthCheck | None = None


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point: an EventBridge scheduled event (its content is not needed)."""
    global _check
    if _check is None:
        _check = build_check()
    outcome = _check.run()
    logger.info(
        "health check",
        extra={
            "request_id": getattr(context, "aws_request_id", None),
            "devices": outcome.devices,
            "silent": outcome.silent,
        },
    )
    return {"devices": outcome.devices, "silent": outcome.silent}
