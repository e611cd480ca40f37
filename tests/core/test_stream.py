"""The stream function through its handler, fed with real stream records.

The ``stack`` fixture runs each test twice: the table and its stream on moto_server, then on
DynamoDB Local (SNS and SQS stay on moto).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.support.events import url_event
from tests.support.streams import StreamReader
from tests.support.table import get, items_of_type
from thermostat.contract import format_timestamp
from thermostat_ingest import handler as ingest_handler
from thermostat_stream import handler as stream_handler

T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def reading(
    minute: float, temperature: float = 20.0, heating: bool = False, device: str = "hall"
) -> dict[str, Any]:
    return {
        "device_id": device,
        "recorded_at": format_timestamp(T0 + timedelta(minutes=minute)),
        "temperature_c": temperature,
        "setpoint_c": 20.0,
        "heating": heating,
    }


class Pipeline:
    """The ingest app writing to the table, and the stream handler reading its stream."""

    def __init__(self, stack: dict[str, str]) -> None:
        self.table = stack["TableName"]
        self.ingest = ingest_handler.build_app({"TABLE_NAME": self.table})
        self.stream = StreamReader(stack["TableStreamArn"])
        sqs = boto3.client("sqs")
        self.alert_queue = sqs.create_queue(QueueName="alerts")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self.alert_queue, AttributeNames=["QueueArn"])
        boto3.client("sns").subscribe(
            TopicArn=stack["AlertTopicArn"],
            Protocol="sqs",
            Endpoint=arn["Attributes"]["QueueArn"],
            Attributes={"RawMessageDelivery": "true"},
        )

    def send(self, *readings: dict[str, Any]) -> None:
        response = self.ingest.handle(url_event(list(readings)))
        assert response["statusCode"] == 200, response

    def run(self, event: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = stream_handler.handler(event or self.stream.event(), None)
        return result

    def alerts(self) -> list[str]:
        messages = (
            boto3.client("sqs")
            .receive_message(QueueUrl=self.alert_queue, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            .get("Messages", [])
        )
        return [json.loads(m["Body"])["alert"] for m in messages]

    def item(self, sk: str, device: str = "hall") -> dict[str, Any] | None:
        return get(self.table, f"DEVICE#{device}", sk)


@pytest.fixture
def pipeline(stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    monkeypatch.setenv("TABLE_NAME", stack["TableName"])
    monkeypatch.setenv("ALERT_TOPIC_ARN", stack["AlertTopicArn"])
    monkeypatch.setenv("ALERT_LOW_C", "12")
    monkeypatch.setenv("ALERT_HIGH_C", "30")
    monkeypatch.setattr(stream_handler, "_processor", None)
    return Pipeline(stack)


def test_readings_become_hourly_daily_rollups_and_status(pipeline: Pipeline) -> None:
    """Four readings over two hours: exact hourly stats, a daily total, the latest status."""
    pipeline.send(
        reading(0, 19.0, True),
        reading(30, 21.0, False),
        reading(61, 18.5, True),
        reading(62, 19.5, True),
    )
    assert pipeline.run() == {"batchItemFailures": []}
    hour = pipeline.item("HOUR#2026-11-21T08")
    assert hour is not None
    assert {
        k: hour[k] for k in ("reading_count", "period", "period_start", "first_recorded_at")
    } == {
        "reading_count": 2,
        "period": "2026-11-21T08",
        "period_start": "2026-11-21T08:00:00.000Z",
        "first_recorded_at": "2026-11-21T08:00:00.000Z",
    }
    assert [
        float(hour[k])
        for k in (
            "temperature_min_c",
            "temperature_max_c",
            "temperature_mean_c",
            "heating_duty_cycle",
        )
    ] == [19, 21, 20, 0.5]
    day = pipeline.item("DAY#2026-11-21")
    assert day is not None and day["reading_count"] == 4
    assert float(day["temperature_mean_c"]) == 19.5
    assert float(day["heating_duty_cycle"]) == 0.75
    status = pipeline.item("STATUS")
    assert status is not None
    assert status["last_recorded_at"] == "2026-11-21T09:02:00.000Z"
    assert status["status_key"] == "STATUS" and status["alert_state"] == "normal"


def test_poison_record_fails_alone_and_the_rest_is_processed(pipeline: Pipeline) -> None:
    """A mistyped reading item is reported by its sequence number; its neighbours roll up."""
    pipeline.send(reading(0, 20.0))
    boto3.client("dynamodb").put_item(
        TableName=pipeline.table,
        Item={
            "pk": {"S": "DEVICE#hall"},
            "sk": {"S": "READING#2026-11-21T08:01:00.000Z"},
            "item_type": {"S": "reading"},
            "device_id": {"S": "hall"},
            "recorded_at": {"S": "2026-11-21T08:01:00.000Z"},
            "temperature_c": {"S": "hot"},
            "setpoint_c": {"N": "20"},
            "heating": {"BOOL": True},
            "received_at": {"S": "x"},
        },
    )
    pipeline.send(reading(2, 22.0))
    event = pipeline.stream.event()
    poison = event["Records"][1]["dynamodb"]["SequenceNumber"]
    assert pipeline.run(event) == {"batchItemFailures": [{"itemIdentifier": poison}]}
    hour = pipeline.item("HOUR#2026-11-21T08")
    assert hour is not None and hour["reading_count"] == 2
    assert float(hour["temperature_mean_c"]) == 21.0


def test_replayed_batch_leaves_rollups_and_status_unchanged(pipeline: Pipeline) -> None:
    """The same batch processed twice: every item identical, no second alert."""
    pipeline.send(reading(0, 20.0), reading(5, 11.0), reading(70, 19.0, True))
    event = pipeline.stream.event()
    pipeline.run(copy.deepcopy(event))
    before = (
        items_of_type(pipeline.table, "hourly")
        + items_of_type(pipeline.table, "daily")
        + items_of_type(pipeline.table, "status")
    )
    assert pipeline.alerts() == ["low", "normal"]
    assert pipeline.run(copy.deepcopy(event)) == {"batchItemFailures": []}
    after = (
        items_of_type(pipeline.table, "hourly")
        + items_of_type(pipeline.table, "daily")
        + items_of_type(pipeline.table, "status")
    )
    assert after == before
    assert pipeline.alerts() == []


def test_alert_fires_once_per_crossing(pipeline: Pipeline) -> None:
    """Low, low, low is one alert; recovery past the hysteresis and a new drop are two more."""
    pipeline.send(reading(0, 20.0), reading(1, 11.0), reading(2, 10.0))
    pipeline.run()
    pipeline.send(
        reading(3, 9.0), reading(4, 12.2), reading(5, 13.0), reading(6, 11.5), reading(7, 31.0)
    )
    pipeline.run()
    assert pipeline.alerts() == ["low", "normal", "low", "high"]
    status = pipeline.item("STATUS")
    assert status is not None and status["alert_state"] == "high"


def test_function_ignores_its_own_writes(pipeline: Pipeline) -> None:
    """Records of rollup and status items (its own writes) change nothing and fail nothing."""
    pipeline.send(reading(0, 20.0))
    pipeline.run()
    own_writes = pipeline.stream.event()
    assert own_writes["Records"], "the rollup and status writes are on the stream"
    assert all(
        not r["dynamodb"]["Keys"]["sk"]["S"].startswith("READING#") for r in own_writes["Records"]
    )
    processor = stream_handler._processor
    assert processor is not None
    calls = processor.table.calls
    assert pipeline.run(own_writes) == {"batchItemFailures": []}
    assert processor.table.calls == calls


def test_older_reading_does_not_replace_newer_status(pipeline: Pipeline) -> None:
    """A backlog reading arriving late updates last_seen but not the latest reading."""
    pipeline.send(reading(10, 21.0))
    pipeline.run()
    pipeline.send(reading(5, 15.0))
    pipeline.run()
    status = pipeline.item("STATUS")
    assert status is not None
    assert status["last_recorded_at"] == "2026-11-21T08:10:00.000Z"
    assert float(status["temperature_c"]) == 21.0
    hour = pipeline.item("HOUR#2026-11-21T08")
    assert hour is not None and hour["reading_count"] == 2


def test_ttl_expiry_keeps_rollups_but_manual_delete_recomputes(pipeline: Pipeline) -> None:
    """REMOVE by TTL leaves the hour alone; a person's delete takes the reading out of it."""
    pipeline.send(reading(0, 20.0), reading(1, 22.0))
    pipeline.run()
    client = boto3.client("dynamodb")
    client.delete_item(
        TableName=pipeline.table,
        Key={"pk": {"S": "DEVICE#hall"}, "sk": {"S": "READING#2026-11-21T08:01:00.000Z"}},
    )
    event = pipeline.stream.event()
    [remove] = [r for r in event["Records"] if r["eventName"] == "REMOVE"]
    expired = copy.deepcopy(remove)
    expired["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    assert pipeline.run({"Records": [expired]}) == {"batchItemFailures": []}
    hour = pipeline.item("HOUR#2026-11-21T08")
    assert hour is not None and hour["reading_count"] == 2
    assert pipeline.run({"Records": [remove]}) == {"batchItemFailures": []}
    hour = pipeline.item("HOUR#2026-11-21T08")
    assert hour is not None and hour["reading_count"] == 1


@pytest.mark.parametrize(
    "mangle",
    [
        lambda r: r.pop("dynamodb"),
        lambda r: r["dynamodb"].pop("Keys"),
        lambda r: r["dynamodb"]["Keys"].update(sk={"N": "1"}),
        lambda r: r["dynamodb"]["Keys"].update(sk={"S": "READING#not-a-time"}),
        lambda r: r["dynamodb"]["Keys"].update(pk={"S": "WHAT#hall"}),
        lambda r: r["dynamodb"].pop("NewImage"),
        lambda r: r["dynamodb"]["NewImage"].pop("heating"),
        lambda r: r["dynamodb"]["NewImage"].update(temperature_c={"N": "85.0"}),
        lambda r: r["dynamodb"]["NewImage"].update(device_id={"S": "other"}),
        lambda r: r.update(eventName="UPSERT"),
    ],
)
def test_malformed_records_fail_alone(pipeline: Pipeline, mangle: Any) -> None:
    """Missing or mistyped parts fail only their own record."""
    pipeline.send(reading(0, 20.0), reading(1, 21.0))
    event = pipeline.stream.event()
    sequence = event["Records"][0]["dynamodb"]["SequenceNumber"]
    mangle(event["Records"][0])
    failures = pipeline.run(event)["batchItemFailures"]
    expected = sequence if "dynamodb" in event["Records"][0] else ""
    assert failures == [{"itemIdentifier": expected}]
    hour = pipeline.item("HOUR#2026-11-21T08")
    assert hour is not None and hour["reading_count"] == 2  # recomputed from the table


def test_unknown_item_types_are_ignored(pipeline: Pipeline) -> None:
    """A record of some other item in the table is not the function's business."""
    boto3.client("dynamodb").put_item(
        TableName=pipeline.table,
        Item={"pk": {"S": "CONFIG"}, "sk": {"S": "SOMETHING"}, "x": {"N": "1"}},
    )
    assert pipeline.run() == {"batchItemFailures": []}


def test_event_without_records_is_not_an_error(pipeline: Pipeline) -> None:
    """An event with no Records list processes nothing and fails nothing."""
    assert pipeline.run({"unexpected": True}) == {"batchItemFailures": []}
