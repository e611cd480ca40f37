"""The stream event Lambda sends, how it reads the answer, and its failure record."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from lambda_dataplane.stream_events import (
    SUCCESS,
    WHOLE_BATCH_FAILED,
    BatchOutcome,
    StreamRecord,
    event_payload,
    failure_message,
    read_outcome,
    to_lambda_record,
)

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-11-21T20:00:00.000"
CREATED = datetime(2026, 11, 21, 20, 0, 5, tzinfo=UTC)


def raw(sequence: str, **image: Any) -> dict[str, Any]:
    """A GetRecords record as boto3 returns it (datetime parsed, binary decoded)."""
    return {
        "eventID": "e" + sequence,
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": CREATED,
            "Keys": {"pk": {"S": "a"}},
            "NewImage": {"pk": {"S": "a"}, **image},
            "SequenceNumber": sequence,
            "SizeBytes": 10,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


BATCH = [to_lambda_record(raw(s), stream_arn=ARN) for s in ("100", "200", "300")]


def test_record_carries_epoch_seconds_and_the_stream_arn() -> None:
    """ApproximateCreationDateTime is epoch seconds; eventSourceARN names the stream."""
    record = to_lambda_record(raw("100"), stream_arn=ARN)
    assert record.event["dynamodb"]["ApproximateCreationDateTime"] == int(CREATED.timestamp())
    assert record.event["eventSourceARN"] == ARN
    assert record.arrival == CREATED and record.sequence_number == "100"


def test_binary_attributes_are_base64_text_in_the_event() -> None:
    """B and BS values (bytes in boto3) are base64 strings, so the event is JSON."""
    record = to_lambda_record(raw("1", blob={"B": b"\x00\x01"}, set={"BS": [b"a"]}), stream_arn=ARN)
    image = json.loads(event_payload([record]))["Records"][0]["dynamodb"]["NewImage"]
    assert image["blob"] == {"B": "AAE="} and image["set"] == {"BS": ["YQ=="]}


def test_size_bytes_follows_dynamodb_item_size_rules() -> None:
    """SizeBytes is Keys + NewImage by DynamoDB's rules, not the emulator's figure (10 here)."""
    record = to_lambda_record(raw("1", t={"N": "20.5"}), stream_arn=ARN)
    # Keys {pk: "a"} is 3 bytes; NewImage adds t = 1 + 3 (20.5 is two digit pairs, plus 1).
    assert record.event["dynamodb"]["SizeBytes"] == 3 + 3 + 4


def test_an_image_the_rules_cannot_size_keeps_the_emulators_size() -> None:
    """DynamoDB Local's {} for an empty map does not stop the record: its own size stays."""
    record = to_lambda_record(raw("1", odd={"L": [{}]}), stream_arn=ARN)
    assert record.event["dynamodb"]["SizeBytes"] == 10


@pytest.mark.parametrize(
    ("region", "stream_arn", "expected"),
    [
        ("eu-west-1", ARN, "eu-west-1"),
        (None, ARN.replace("us-east-1", "eu-central-1"), "eu-central-1"),
        (None, "not-an-arn", "us-east-1"),
    ],
)
def test_aws_region_is_the_stacks_else_the_stream_arns(
    region: str | None, stream_arn: str, expected: str
) -> None:
    """awsRegion: the region given (the stack's), else the stream ARN's, else the record's."""
    record = to_lambda_record(raw("1"), stream_arn=stream_arn, region=region)
    assert record.event["awsRegion"] == expected


def test_sequence_numbers_order_numerically() -> None:
    """'99' comes before '100' although it sorts after it as text."""
    assert StreamRecord("99", CREATED, {}).order < StreamRecord("100", CREATED, {}).order


@pytest.mark.parametrize(
    "payload",
    [b"null", b"{}", b'{"batchItemFailures": []}', b'{"batchItemFailures": null}', b"", b'"ok"'],
    ids=["null", "empty-object", "empty-list", "null-list", "empty-body", "not-an-object"],
)
def test_success_conditions(payload: bytes) -> None:
    """The documented complete-success answers checkpoint the whole batch."""
    assert read_outcome(payload, None, BATCH, report_item_failures=True) == SUCCESS


def test_function_error_fails_the_whole_batch_even_with_failures_listed() -> None:
    """An Unhandled error is a complete failure whatever the body says."""
    body = b'{"batchItemFailures": [{"itemIdentifier": "200"}]}'
    assert read_outcome(body, "Unhandled", BATCH, report_item_failures=True) == WHOLE_BATCH_FAILED


def test_lowest_reported_sequence_number_is_the_retry_point() -> None:
    """With several failures, the retry starts at the earliest one in the batch."""
    body = json.dumps(
        {"batchItemFailures": [{"itemIdentifier": "300"}, {"itemIdentifier": "200"}]}
    ).encode()
    assert read_outcome(body, None, BATCH, report_item_failures=True) == BatchOutcome(1)


@pytest.mark.parametrize(
    "payload",
    [b"{not json", b'{"batchItemFailures": "200"}', b'{"batchItemFailures": ["200"]}'],
    ids=["malformed-json", "failures-not-a-list", "failure-not-an-object"],
)
def test_malformed_partial_responses_fail_the_whole_batch(payload: bytes) -> None:
    """An answer Lambda cannot read as a batch response retries every record."""
    assert read_outcome(payload, None, BATCH, report_item_failures=True) == WHOLE_BATCH_FAILED


def test_failure_message_matches_the_documented_shape() -> None:
    """The SQS record of a failed batch, as in services-dynamodb-errors.html."""
    message = failure_message(
        BATCH[:2],
        condition="RecordAgeExceeded",
        shard_id="shardId-1",
        stream_arn=ARN,
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:f",
        invoke_count=0,
        request_id=None,
        function_error=None,
        now=datetime(2026, 11, 21, 21, 0, 0, 123000, tzinfo=UTC),
    )
    assert message == {
        "requestContext": {
            "requestId": "",
            "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "condition": "RecordAgeExceeded",
            "approximateInvokeCount": 0,
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
        "version": "1.0",
        "timestamp": "2026-11-21T21:00:00.123Z",
        "DDBStreamBatchInfo": {
            "shardId": "shardId-1",
            "startSequenceNumber": "100",
            "endSequenceNumber": "200",
            "approximateArrivalOfFirstRecord": "2026-11-21T20:00:05Z",
            "approximateArrivalOfLastRecord": "2026-11-21T20:00:05Z",
            "batchSize": 2,
            "streamArn": ARN,
        },
    }
