"""The pipeline through the built images: POST -> ingest image -> table -> stream image.

Runs on both backends: moto_server + the data plane (`-m docker`) and the compose stack on
LocalStack (`-m localstack`, E2E_BACKEND=localstack).
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import pytest

from tests.docker.harness import Stack
from tests.docker.payloads import HOUR_LABEL, at, post_ok, reading

# On LocalStack the first test also waits for `docker compose up` (builds included).
TIMEOUT = 900 if os.environ.get("E2E_BACKEND") == "localstack" else 120
pytestmark = [pytest.mark.docker, pytest.mark.localstack, pytest.mark.timeout(TIMEOUT)]


def test_posted_reading_is_stored_by_the_ingest_image(stack: Stack) -> None:
    """A signed POST of one reading answers {"stored": 1} and the reading item is in the table."""
    device = f"e2e-{uuid.uuid4().hex[:6]}"
    assert post_ok(stack, reading(device, 5, 19.5)) == {"stored": 1}
    item = stack.item(f"DEVICE#{device}", f"READING#{at(5)}")
    assert item is not None, stack.logs()
    assert item["temperature_c"] == {"N": "19.5"}


def test_posted_readings_are_rolled_up_by_the_stream_image(stack: Stack) -> None:
    """Two readings posted in one hour are that hour's rollup: open on the device status while
    the hour is the device's newest, then written as the closed HOUR item once a reading of the
    next hour arrives (the stream function writes an hour once, when it closes)."""
    device = f"e2e-{uuid.uuid4().hex[:6]}"
    post_ok(stack, {"readings": [reading(device, 10, 18.0), reading(device, 20, 22.0)]})
    pk = f"DEVICE#{device}"

    def status_with_both() -> dict[str, Any] | None:
        item = stack.item(pk, "STATUS")
        open_hour = (item or {}).get("open_hour", {}).get("M", {})
        return item if open_hour.get("reading_count") == {"N": "2"} else None

    status = stack.eventually("the open hour of 2 readings on the status", status_with_both)
    assert status["open_hour"]["M"]["period"] == {"S": HOUR_LABEL}
    assert status["last_recorded_at"] == {"S": at(20)}

    post_ok(stack, reading(device, 65, 21.0))  # the next hour's 5th minute

    def closed_hour() -> dict[str, Any] | None:
        return stack.item(pk, f"HOUR#{HOUR_LABEL}")

    hourly = stack.eventually("the closed hourly rollup", closed_hour)
    assert hourly["reading_count"] == {"N": "2"}
    assert float(hourly["temperature_mean_c"]["N"]) == pytest.approx(20.0)


def poison_item(device: str) -> dict[str, Any]:
    """A reading item the stream function cannot parse (a string temperature)."""
    return {
        "pk": {"S": f"DEVICE#{device}"},
        "sk": {"S": f"READING#{at(30)}"},
        "item_type": {"S": "reading"},
        "device_id": {"S": device},
        "recorded_at": {"S": at(30)},
        "temperature_c": {"S": "hot"},
        "setpoint_c": {"N": "20"},
        "heating": {"BOOL": True},
        "received_at": {"S": at(30).replace(":00.000Z", ":01.000Z")},
    }


def test_poison_record_reaches_the_failure_queue(stack: Stack) -> None:
    """A record the stream image keeps failing ends, alone, in the SQS failure queue."""
    device = f"e2e-{uuid.uuid4().hex[:6]}"
    item = poison_item(device)
    stack.client("dynamodb").put_item(TableName=stack.table_name, Item=item)
    outputs = stack.outputs()
    sqs = stack.client("sqs")

    def failure_for_device() -> dict[str, Any] | None:
        answer = sqs.receive_message(
            QueueUrl=outputs["FailureQueueUrl"], MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        for message in answer.get("Messages", []):
            body: dict[str, Any] = json.loads(message["Body"])
            info = body["DDBStreamBatchInfo"]
            record = stream_record(stack, outputs["TableStreamArn"], info)
            if record["dynamodb"]["Keys"]["pk"] == item["pk"]:
                return body
        return None

    body = stack.eventually("the poison record in the failure queue", failure_for_device, 120)
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert body["DDBStreamBatchInfo"]["batchSize"] == 1
    assert body["responseContext"]["statusCode"] == 200


def stream_record(stack: Stack, stream_arn: str, info: dict[str, Any]) -> dict[str, Any]:
    """The stream record a failure message points at (its first sequence number)."""
    streams = stack.client("dynamodbstreams")
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn,
        ShardId=info["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=info["startSequenceNumber"],
    )["ShardIterator"]
    record: dict[str, Any] = streams.get_records(ShardIterator=iterator, Limit=1)["Records"][0]
    return record
