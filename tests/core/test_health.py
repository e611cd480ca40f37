"""Health alerts: silent devices (the schedule's check), heating faults (the stream), and each
transition published exactly once, whatever retries, replays and concurrent runs do."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.core.test_stream import Pipeline, reading
from tests.support.table import get
from thermostat.contract import Reading
from thermostat.items import AlertItem, StatusItem, to_wire
from thermostat_stream import handler as stream_handler
from thermostat_stream import health
from thermostat_stream.heating import HeatingRules, HeatingRun, step

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def at(minutes: float, temperature: float, heating: bool = True, setpoint: float = 20.0) -> Reading:
    return Reading(
        device_id="hall",
        recorded_at=NOW + timedelta(minutes=minutes),
        temperature_c=temperature,
        setpoint_c=setpoint,
        heating=heating,
    )


def walk(readings: list[Reading]) -> list[str]:
    run, kinds = HeatingRun(), []
    for r in readings:
        run, alert = step(run, r, HeatingRules())
        if alert is not None:
            kinds.append(alert.kind)
    return kinds


def test_heating_on_that_does_not_warm_raises_one_fault_and_one_recovery() -> None:
    """On for 45 min with less than 0.5 C rise: one fault; warming again: one recovery."""
    cold = [at(m, 15.0 - m / 100) for m in range(0, 60, 5)]
    assert walk(cold) == ["heating_not_heating"]
    assert walk([*cold, at(65, 15.6)]) == ["heating_not_heating", "heating_ok"]


def test_heating_that_warms_raises_nothing() -> None:
    """A furnace that works: 0.5 C within 45 minutes, no alert."""
    assert walk([at(m, 15.0 + m / 50) for m in range(0, 120, 5)]) == []


def test_heating_stuck_on_above_setpoint_raises_one_alert() -> None:
    """On for 45 min while above setpoint + 2 C: stuck on; relay off clears it."""
    hot = [at(m, 22.5 + m / 100) for m in range(0, 60, 5)]
    assert walk(hot) == ["heating_stuck_on"]
    assert walk([*hot, at(61, 23.0, heating=False)]) == ["heating_stuck_on", "heating_ok"]


def test_heating_off_resets_the_run() -> None:
    """Short on-runs with pauses never add up to a fault."""
    runs = []
    for start in range(0, 300, 40):
        runs += [at(start + m, 15.0) for m in range(0, 30, 5)]
        runs.append(at(start + 31, 15.0, heating=False))
    assert walk(runs) == []


class Alerts:
    """What reached the SNS topic, read through an SQS subscription (raw delivery)."""

    def __init__(self, topic_arn: str) -> None:
        sqs = boto3.client("sqs")
        self.queue = sqs.create_queue(QueueName="health-alerts")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])
        boto3.client("sns").subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=arn["Attributes"]["QueueArn"],
            Attributes={"RawMessageDelivery": "true"},
        )

    def received(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while True:
            page = boto3.client("sqs").receive_message(
                QueueUrl=self.queue, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            )
            if not page.get("Messages"):
                return messages
            messages.extend(page["Messages"])


@pytest.fixture
def alerts(stack: dict[str, str]) -> Alerts:
    return Alerts(stack["AlertTopicArn"])


def seen(stack: dict[str, str], device: str, ago: timedelta) -> StatusItem:
    status = StatusItem(device, NOW - ago, NOW - ago, 19.5, 21.0, True)
    boto3.client("dynamodb").put_item(TableName=stack["TableName"], Item=to_wire(status.to_item()))
    return status


def check(stack: dict[str, str], now: datetime = NOW) -> health.HealthCheck:
    built = health.build_check(
        {"TABLE_NAME": stack["TableName"], "ALERT_TOPIC_ARN": stack["AlertTopicArn"]}
    )
    built.clock = lambda: now
    built.outbox.clock = lambda: now
    return built


def test_a_silent_device_raises_one_alert_however_often_the_check_runs(
    stack: dict[str, str], alerts: Alerts
) -> None:
    """Quiet for 20 min (threshold 15): one alert on the topic, a human subject, the facts."""
    seen(stack, "hall", timedelta(minutes=20))
    seen(stack, "attic", timedelta(minutes=2))
    for _ in range(3):
        check(stack).run()
    [message] = alerts.received()
    attributes = message["MessageAttributes"]
    assert attributes["kind"]["StringValue"] == "silent"
    facts = json.loads(attributes["facts"]["StringValue"])
    assert facts["device_id"] == "hall" and facts["alert"] == "silent"
    assert message["Body"].startswith("hall: no reading for 20 min.")
    status = get(stack["TableName"], "DEVICE#hall", "STATUS")
    assert status is not None and status["silent_since"] and "pending_alerts" not in status


def test_ten_concurrent_checks_publish_each_transition_once(
    stack: dict[str, str], alerts: Alerts
) -> None:
    """Ten runs at once over three silent devices: three messages, one each."""
    for device in ("a", "b", "c"):
        seen(stack, device, timedelta(hours=1))
    barrier = threading.Barrier(10)

    def run() -> None:
        barrier.wait()
        check(stack).run()

    threads = [threading.Thread(target=run) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    devices = sorted(
        json.loads(m["MessageAttributes"]["facts"]["StringValue"])["device_id"]
        for m in alerts.received()
    )
    assert devices == ["a", "b", "c"]


def test_a_failed_publish_stays_pending_and_the_next_run_sends_it(
    stack: dict[str, str], alerts: Alerts
) -> None:
    """SNS down when the silence is found: recorded, not lost; the next run publishes it."""
    seen(stack, "hall", timedelta(minutes=30))
    failing = check(stack)

    def down(alert: AlertItem) -> None:
        raise ConnectionError("SNS is unreachable")

    failing.outbox.publisher.publish = down  # type: ignore[method-assign]
    failing.run()
    status = get(stack["TableName"], "DEVICE#hall", "STATUS")
    assert status is not None and len(status["pending_alerts"]) == 1
    assert alerts.received() == []
    check(stack).run()
    assert [m["MessageAttributes"]["kind"]["StringValue"] for m in alerts.received()] == ["silent"]
    status = get(stack["TableName"], "DEVICE#hall", "STATUS")
    assert status is not None and "pending_alerts" not in status


@pytest.fixture
def pipeline(stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipeline]:
    monkeypatch.setenv("TABLE_NAME", stack["TableName"])
    monkeypatch.setenv("ALERT_TOPIC_ARN", stack["AlertTopicArn"])
    monkeypatch.setattr(stream_handler, "_processor", None)
    yield Pipeline(stack)


def test_a_silent_device_that_reports_again_raises_one_back_alert(
    pipeline: Pipeline, stack: dict[str, str]
) -> None:
    """Silent, then a reading arrives: 'back after ...' once, and it is no longer silent."""
    pipeline.send(reading(0, 20.0))
    pipeline.run()
    status = StatusItem.from_item(get(stack["TableName"], "DEVICE#hall", "STATUS") or {})
    later = status.last_seen_at + timedelta(minutes=40)
    check(stack, later).run()
    pipeline.send(reading(50, 20.0))
    pipeline.run()
    pipeline.run(pipeline.stream.event())  # replays change nothing
    assert pipeline.alerts_kinds() == ["silent", "back"]
    status = StatusItem.from_item(get(stack["TableName"], "DEVICE#hall", "STATUS") or {})
    assert status.silent_since is None


def test_a_furnace_that_stops_heating_raises_one_fault_through_the_stream(
    pipeline: Pipeline,
) -> None:
    """An hour of readings with the relay on and the room cooling: one heating fault."""
    pipeline.send(*(reading(m, 18.0 - m / 100, heating=True) for m in range(0, 60, 5)))
    pipeline.run()
    pipeline.send(*(reading(m, 17.4 - m / 100, heating=True) for m in range(60, 70, 5)))
    pipeline.run()
    assert pipeline.alerts_kinds() == ["heating_not_heating"]
