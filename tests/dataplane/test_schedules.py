"""The template's EventBridge schedules, run by the local data plane."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from lambda_dataplane.config import FunctionConfig, InvocationResult
from lambda_dataplane.schedules import (
    Schedule,
    ScheduleError,
    ScheduleSpec,
    rate_seconds,
    scheduled_event,
)

RULE = "arn:aws:events:us-east-1:123456789012:rule/thermostat-HealthSchedule"
FUNCTION = FunctionConfig("health", "arn:aws:lambda:us-east-1:123456789012:function:health", ())


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(2 hours)", 7200),
        ("rate(1 day)", 86400),
    ],
)
def test_rate_expressions_are_read_as_eventbridge_writes_them(
    expression: str, seconds: int
) -> None:
    """rate(N unit), singular for 1, plural otherwise."""
    assert rate_seconds(expression) == seconds


@pytest.mark.parametrize(
    "expression", ["rate(5 minute)", "rate(1 minutes)", "rate(0 minutes)", "cron(0 12 * * ? *)"]
)
def test_other_expressions_are_refused_naming_them(expression: str) -> None:
    """What EventBridge refuses, and cron (not run locally), is a clear error."""
    with pytest.raises(ScheduleError, match=r"rate\("):
        rate_seconds(expression)


def test_the_event_is_an_eventbridge_scheduled_event() -> None:
    """The payload parses as Powertools' EventBridgeModel, with the rule as its resource."""
    payload = scheduled_event(RULE, "123456789012", "us-east-1", datetime(2026, 11, 21, tzinfo=UTC))
    event = EventBridgeModel.model_validate(json.loads(payload))
    assert (event.detail_type, event.source, event.resources) == (
        "Scheduled Event",
        "aws.events",
        [RULE],
    )


class Counting:
    """A function that counts its invocations (the Invoker protocol)."""

    def __init__(self, wanted: int) -> None:
        self.payloads: list[bytes] = []
        self.done = threading.Event()
        self.wanted = wanted

    def invoke(self, payload: bytes, *, timeout: float | None = None) -> InvocationResult:
        self.payloads.append(payload)
        if len(self.payloads) >= self.wanted:
            self.done.set()
        return InvocationResult("r", b"{}", None, 1.0)


def test_a_schedule_invokes_its_function_every_interval_until_stopped() -> None:
    """Run every 0.02 s: three invocations arrive, then stop() ends them."""
    function = Counting(3)
    schedule = Schedule(
        ScheduleSpec("HealthSchedule", FUNCTION, 300, RULE),
        function,
        account_id="123456789012",
        region="us-east-1",
        interval_s=0.02,
    )
    schedule.start()
    assert function.done.wait(10)
    schedule.stop()
    runs = len(function.payloads)
    assert schedule.runs >= 3
    assert len(function.payloads) == runs  # nothing after stop
