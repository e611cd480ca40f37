"""The pipeline through real processes: moto_server, the data plane, awslambdaric handlers."""

from __future__ import annotations

import json
import os
import signal
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from requests_aws4auth import AWS4Auth

from tests.e2e.e2e_support import KEY, SECRET, Pipeline, function_pids
from tests.support.table import counts_by_hour, plain
from tests.support.waiting import wait_for
from thermostat.contract import format_timestamp

pytestmark = pytest.mark.e2e
SIGNED = AWS4Auth(KEY, SECRET, "us-east-1", "lambda")


def reading(device: str, at: datetime, temperature: float = 20.5) -> dict[str, Any]:
    return {
        "device_id": device,
        "recorded_at": format_timestamp(at),
        "temperature_c": temperature,
        "setpoint_c": 21.0,
        "heating": True,
    }


def get_item(pipeline: Pipeline, device: str, sk: str) -> dict[str, Any] | None:
    key = {"pk": {"S": f"DEVICE#{device}"}, "sk": {"S": sk}}
    item = pipeline.client("dynamodb").get_item(TableName=pipeline.table, Key=key)
    return item.get("Item")  # type: ignore[no-any-return]


def items_of(pipeline: Pipeline, device: str) -> list[dict[str, Any]]:
    answer = pipeline.client("dynamodb").query(
        TableName=pipeline.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"DEVICE#{device}"}},
    )
    return answer["Items"]  # type: ignore[no-any-return]


def hour_count(pipeline: Pipeline, device: str, at: datetime) -> int:
    """Readings counted in the hour of ``at`` (closed, or open on the status)."""
    counts = counts_by_hour([plain(item) for item in items_of(pipeline, device)])
    return counts.get(f"{at.astimezone(UTC):%Y-%m-%dT%H}", 0)


def test_signed_post_reaches_rollup_and_status(pipeline: Pipeline) -> None:
    """A SigV4-signed POST is stored, rolled up by hour and shown in the status (how fast:
    `make bench`'s end-to-end row, not a timed test)."""
    device, now = f"dev-{uuid.uuid4().hex[:6]}", datetime.now(UTC)
    answer = requests.post(pipeline.url, json=reading(device, now), auth=SIGNED, timeout=10)
    assert (answer.status_code, answer.json()) == (200, {"stored": 1})
    wait_for(lambda: hour_count(pipeline, device, now) == 1, timeout=30)
    status = wait_for(lambda: get_item(pipeline, device, "STATUS"), timeout=30)
    assert status["last_recorded_at"] == {"S": format_timestamp(now)}
    assert get_item(pipeline, device, f"READING#{format_timestamp(now)}") is not None


def test_unsigned_post_is_forbidden_and_stores_nothing(pipeline: Pipeline) -> None:
    """Without a signature the Function URL answers 403 and the function never runs."""
    device = f"dev-{uuid.uuid4().hex[:6]}"
    answer = requests.post(pipeline.url, json=reading(device, datetime.now(UTC)), timeout=10)
    assert answer.status_code == 403
    assert items_of(pipeline, device) == []


def test_poison_record_goes_to_the_dlq_while_its_neighbours_are_processed(
    pipeline: Pipeline,
) -> None:
    """A mistyped reading item lands in the failure queue; the readings around it roll up."""
    dynamodb, neighbour = pipeline.client("dynamodb"), f"dev-{uuid.uuid4().hex[:6]}"
    now = datetime.now(UTC).replace(microsecond=0)
    before, after = now - timedelta(seconds=2), now - timedelta(seconds=1)
    requests.post(pipeline.url, json=reading(neighbour, before), auth=SIGNED, timeout=10)
    poison_key = {
        "pk": {"S": f"DEVICE#poison-{uuid.uuid4().hex[:6]}"},
        "sk": {"S": f"READING#{format_timestamp(now)}"},
    }
    dynamodb.put_item(
        TableName=pipeline.table,
        Item={**poison_key, "item_type": {"S": "reading"}, "temperature_c": {"S": "warm"}},
    )
    requests.post(pipeline.url, json=reading(neighbour, after), auth=SIGNED, timeout=10)
    wait_for(lambda: hour_count(pipeline, neighbour, now) == 2, timeout=5)
    queue = pipeline.plan.outputs["FailureQueueUrl"]
    messages = wait_for(
        lambda: (
            pipeline.client("sqs")
            .receive_message(QueueUrl=queue, WaitTimeSeconds=1)
            .get("Messages")
        ),
        timeout=10,
    )
    failure = json.loads(messages[0]["Body"])
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3  # 1 + 2 retries
    info = failure["DDBStreamBatchInfo"]
    assert info["streamArn"] == pipeline.plan.outputs["TableStreamArn"]
    assert info["startSequenceNumber"] == poison_sequence(pipeline, poison_key)


def poison_sequence(pipeline: Pipeline, key: dict[str, Any]) -> str:
    streams, arn = pipeline.client("dynamodbstreams"), pipeline.plan.outputs["TableStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    (match,) = [r for r in records if r["dynamodb"]["Keys"] == key]
    return str(match["dynamodb"]["SequenceNumber"])


def test_killed_stream_function_is_restarted_and_nothing_is_lost_or_doubled(
    pipeline: Pipeline,
) -> None:
    """SIGKILL of the stream function mid-run: it restarts; every reading counts once."""
    device, start = f"dev-{uuid.uuid4().hex[:6]}", datetime.now(UTC).replace(microsecond=0)
    stream_name = f"{pipeline.stack_name}-stream"
    (victim,) = function_pids(stream_name)
    launches = pipeline.plane.runtimes[stream_name].launches
    sent = 30

    def write_readings() -> None:
        for index in range(sent):
            body = reading(device, start + timedelta(milliseconds=10 * index), 20 + index / 10)
            requests.post(pipeline.url, json=body, auth=SIGNED, timeout=10)

    writer = threading.Thread(target=write_readings)
    writer.start()
    wait_for(lambda: hour_count(pipeline, device, start) > 0, timeout=5)
    os.kill(victim, signal.SIGKILL)
    writer.join()
    wait_for(lambda: hour_count(pipeline, device, start) == sent, timeout=10)
    assert pipeline.plane.runtimes[stream_name].launches > launches
    assert function_pids(stream_name) not in ([], [victim])
    stored = [i for i in items_of(pipeline, device) if i["sk"]["S"].startswith("READING#")]
    assert len(stored) == sent
