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
from tests.support.readings import reading_at
from tests.support.streams import StreamReader
from tests.support.table import get, items_of_type, rollup
from thermostat.items import RollupItem
from thermostat_ingest import handler as ingest_handler
from thermostat_stream import handler as stream_handler

T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def reading(
    minute: float, temperature: float = 20.0, heating: bool = False, device: str = "hall"
) -> dict[str, Any]:
    at = T0 + timedelta(minutes=minute)
    return reading_at(at, device=device, temperature_c=temperature, heating=heating).to_wire()


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
        """The alert states published (low, high, normal), in the order taken."""
        return [f["alert"] for f in self._facts() if f.get("alert") in ("low", "high", "normal")]

    def alerts_kinds(self) -> list[str]:
        """The kinds of every alert published, in the order they happened."""
        return [f["kind"] for f in self._facts()]

    def _facts(self) -> list[dict[str, Any]]:
        messages = (
            boto3.client("sqs")
            .receive_message(
                QueueUrl=self.alert_queue,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=0,
                MessageAttributeNames=["All"],
            )
            .get("Messages", [])
        )
        facts = [
            {
                **json.loads(m["MessageAttributes"]["facts"]["StringValue"]),
                "kind": m["MessageAttributes"]["kind"]["StringValue"],
            }
            for m in messages
        ]
        return sorted(facts, key=lambda f: f.get("recorded_at") or f.get("received_at") or "")

    def item(self, sk: str, device: str = "hall") -> dict[str, Any] | None:
        return get(self.table, f"DEVICE#{device}", sk)

    def hour(self, period: str, device: str = "hall") -> RollupItem | None:
        """The hour as readers see it (closed item, or the open hour on the status)."""
        found: RollupItem | None = rollup(self.table, device, "hourly", period)
        return found

    def day(self, period: str, device: str = "hall") -> RollupItem | None:
        found: RollupItem | None = rollup(self.table, device, "daily", period)
        return found


@pytest.fixture
def pipeline(stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    monkeypatch.setenv("TABLE_NAME", stack["TableName"])
    monkeypatch.setenv("ALERT_TOPIC_ARN", stack["AlertTopicArn"])
    monkeypatch.setenv("ALERT_LOW_C", "12")
    monkeypatch.setenv("ALERT_HIGH_C", "30")
    monkeypatch.setattr(stream_handler, "_processor", None)
    return Pipeline(stack)


def test_readings_become_hourly_daily_rollups_and_status(pipeline: Pipeline) -> None:
    """Four readings over two hours: the first hour closed, the second open on the status."""
    pipeline.send(
        reading(0, 19.0, True),
        reading(30, 21.0, False),
        reading(61, 18.5, True),
        reading(62, 19.5, True),
    )
    assert pipeline.run() == {"batchItemFailures": []}
    closed = pipeline.item("HOUR#2026-11-21T08")
    assert closed is not None
    assert {
        k: closed[k] for k in ("reading_count", "period", "period_start", "first_recorded_at")
    } == {
        "reading_count": 2,
        "period": "2026-11-21T08",
        "period_start": "2026-11-21T08:00:00.000Z",
        "first_recorded_at": "2026-11-21T08:00:00.000Z",
    }
    assert [
        float(closed[k])
        for k in (
            "temperature_min_c",
            "temperature_max_c",
            "temperature_mean_c",
            "heating_duty_cycle",
        )
    ] == [19, 21, 20, 0.5]
    assert pipeline.item("HOUR#2026-11-21T09") is None  # still open: kept on the status
    open_hour = pipeline.hour("2026-11-21T09")
    assert open_hour is not None and open_hour.stats.reading_count == 2
    day = pipeline.day("2026-11-21")
    assert day is not None and day.stats.reading_count == 4
    assert day.stats.temperature_mean_c == 19.5
    assert day.stats.heating_duty_cycle == 0.75
    status = pipeline.item("STATUS")
    assert status is not None
    assert status["last_recorded_at"] == "2026-11-21T09:02:00.000Z"
    assert status["status_key"] == "STATUS" and status["alert_state"] == "normal"


def test_a_batch_costs_one_status_read_and_write_however_full_the_hour(
    pipeline: Pipeline,
) -> None:
    """Folding into the open hour reads and writes only the status item (no hour Query)."""
    pipeline.send(*(reading(n, 20.0 + n / 100) for n in range(50)))
    pipeline.run()
    processor = stream_handler._processor
    assert processor is not None
    calls = processor.table.calls
    pipeline.send(reading(55, 21.0))
    pipeline.run()
    assert processor.table.calls - calls == 2
    hour = pipeline.hour("2026-11-21T08")
    assert hour is not None and hour.stats.reading_count == 51


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
    hour = pipeline.hour("2026-11-21T08")
    assert hour is not None and hour.stats.reading_count == 2
    assert hour.stats.temperature_mean_c == 21.0


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


def test_a_clock_stepped_back_neither_freezes_the_status_nor_hides_an_alert(
    pipeline: Pipeline,
) -> None:
    """The Pi's clock jumps back an hour: its next reading, received later, is the status,
    and its low temperature raises the alert (a Pi sends in the order it measures)."""
    pipeline.send(reading(70, 21.0))
    pipeline.run()
    pipeline.send(reading(12, 10.5))  # taken now, stamped an hour early
    pipeline.run()
    status = pipeline.item("STATUS")
    assert status is not None
    assert status["last_recorded_at"] == "2026-11-21T08:12:00.000Z"
    assert (float(status["temperature_c"]), status["alert_state"]) == (10.5, "low")
    assert pipeline.alerts() == ["low"]
    hour = pipeline.hour("2026-11-21T08")  # the earlier hour was never open: merged into
    assert hour is not None and hour.stats.reading_count == 1


def test_ttl_expiry_keeps_rollups_but_manual_delete_recomputes(pipeline: Pipeline) -> None:
    """REMOVE by TTL leaves the hour alone; a person's delete takes the reading out of it."""
    pipeline.send(reading(0, 20.0), reading(1, 22.0), reading(2, 24.0))
    pipeline.run()

    def delete(minute: int) -> dict[str, Any]:
        boto3.client("dynamodb").delete_item(
            TableName=pipeline.table,
            Key={
                "pk": {"S": "DEVICE#hall"},
                "sk": {"S": "READING#" + reading(minute)["recorded_at"]},
            },
        )
        [remove] = [r for r in pipeline.stream.event()["Records"] if r["eventName"] == "REMOVE"]
        return remove

    expired = delete(1)
    expired["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    assert pipeline.run({"Records": [expired]}) == {"batchItemFailures": []}
    hour = pipeline.hour("2026-11-21T08")
    assert hour is not None and hour.stats.reading_count == 3
    assert pipeline.run({"Records": [delete(2)]}) == {"batchItemFailures": []}
    hour = pipeline.hour("2026-11-21T08")  # recomputed from what the table holds
    assert hour is not None and hour.stats.reading_count == 1
    assert hour.stats.temperature_max_c == 20.0


def test_a_late_reading_merges_into_an_hour_past_retention(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An hour whose readings expired keeps its count: a late reading adds one (60 -> 61)."""
    pipeline.send(*(reading(n) for n in range(60)), reading(61))  # hour 08 closes at 09:01
    pipeline.run()
    client = boto3.client("dynamodb")
    for n in range(60):  # TTL took the hour's readings (the rollup keeps the history)
        client.delete_item(
            TableName=pipeline.table,
            Key={"pk": {"S": "DEVICE#hall"}, "sk": {"S": "READING#" + reading(n)["recorded_at"]}},
        )
    pipeline.stream.event()  # those REMOVE records: TTL's, nothing to do
    pipeline.send(reading(59.5, 25.0))
    pipeline.run()
    hour = pipeline.hour("2026-11-21T08")
    assert hour is not None and hour.stats.reading_count == 61
    assert hour.stats.temperature_max_c == 25.0


def test_a_hand_delete_in_an_hour_past_retention_does_not_shrink_it(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recomputing an hour older than retention would shrink it: it is left as it is."""
    pipeline.send(reading(0), reading(1), reading(61))
    pipeline.run()
    monkeypatch.setenv("READING_RETENTION_DAYS", "1")  # 2026-11-21 is now past retention
    monkeypatch.setattr(stream_handler, "_processor", None)
    boto3.client("dynamodb").delete_item(
        TableName=pipeline.table,
        Key={"pk": {"S": "DEVICE#hall"}, "sk": {"S": "READING#" + reading(1)["recorded_at"]}},
    )
    assert pipeline.run() == {"batchItemFailures": []}
    hour = pipeline.hour("2026-11-21T08")
    assert hour is not None and hour.stats.reading_count == 2


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
    hour = pipeline.hour("2026-11-21T08")
    assert hour is not None and hour.stats.reading_count == 1  # the good one; the bad retries


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
