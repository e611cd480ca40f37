"""EventBridge schedules of a stack (``AWS::Events::Rule`` with ``rate(...)``), run locally.

Like the stream mapping and the Function URL, the rule is declared in the template behind a
condition the emulator leaves out; the data plane reads its ScheduleExpression and target and
invokes the function with a Scheduled Event as EventBridge sends it.
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from lambda_dataplane.config import FunctionConfig, Invoker
from lambda_dataplane.errors import DataplaneError
from lambda_dataplane.periodic import Every

log = logging.getLogger(__name__)
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class ScheduleError(DataplaneError, ValueError):
    """A schedule expression the local data plane cannot run (only rate() is supported)."""


def rate_seconds(expression: str) -> float:
    """``rate(5 minutes)`` -> 300. EventBridge wants the singular for 1 (``rate(1 minute)``)."""
    match = _RATE.match(expression.strip())
    if not match:
        raise ScheduleError(f"only rate(N unit) schedules run locally, not {expression!r}")
    count, unit = int(match[1]), match[2]
    if (count == 1) != (not unit.endswith("s")) or count < 1:
        raise ScheduleError(f"{expression!r}: EventBridge says rate(1 minute), rate(5 minutes)")
    return float(count * _UNIT_SECONDS[unit.rstrip("s")])


@dataclass(frozen=True)
class ScheduleSpec:
    logical_id: str
    function: FunctionConfig
    interval_s: float
    rule_arn: str


def scheduled_event(rule_arn: str, account_id: str, region: str, now: datetime) -> bytes:
    """The event EventBridge sends a target of a scheduled rule."""
    return json.dumps(
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": account_id,
            "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": region,
            "resources": [rule_arn],
            "detail": {},
        }
    ).encode()


class Schedule:
    """Invokes one function every ``interval_s`` seconds from a thread, until stopped."""

    def __init__(
        self,
        spec: ScheduleSpec,
        invoker: Invoker,
        *,
        account_id: str,
        region: str,
        interval_s: float | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.spec, self.invoker = spec, invoker
        self.account_id, self.region, self.clock = account_id, region, clock
        self.interval_s = interval_s or spec.interval_s
        self.runs = 0
        self.last_error: str | None = None
        self._every = Every(self.interval_s, self._run_once, name=f"schedule-{spec.logical_id}")

    def start(self) -> None:
        self._every.start()

    def stop(self) -> None:
        self._every.stop()

    def _run_once(self) -> None:
        payload = scheduled_event(self.spec.rule_arn, self.account_id, self.region, self.clock())
        try:
            result = self.invoker.invoke(payload)
        except DataplaneError as err:
            self.last_error = str(err)
            log.warning("%s: invocation failed: %s", self.spec.logical_id, err)
            return
        self.runs += 1
        self.last_error = (
            result.payload[:500].decode("utf-8", "replace") if (result.function_error) else None
        )
        if result.function_error:
            log.warning("%s: function error %s", self.spec.logical_id, self.last_error)
