"""The fidelity suite, part 1: events the data plane produces, validated against
aws-lambda-powertools' models of AWS's events, and responses Powertools' own utilities produce
(made to work on AWS) mapped by the data plane as Lambda maps them. Powertools is a dev
dependency only: https://docs.powertools.aws.dev/lambda/python/latest/utilities/parser/."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response
from aws_lambda_powertools.shared.cookies import Cookie
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import (
    PartialItemFailureResponse,
    PartialItemFailures,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
)
from aws_lambda_powertools.utilities.parser.models import (
    DynamoDBStreamLambdaOnFailureDestinationModel,
    DynamoDBStreamModel,
    LambdaFunctionUrlModel,
)

from lambda_dataplane.sigv4 import Identity
from lambda_dataplane.stream_events import (
    BatchOutcome,
    event_payload,
    failure_message,
    read_outcome,
    to_lambda_record,
)
from lambda_dataplane.url_event import HttpRequest, HttpResponse, map_response
from tests.dataplane.url_events import event_for_request

STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-11-21T00:00:00.000"
RAW = {
    "eventID": "1",
    "eventName": "REMOVE",
    "eventVersion": "1.1",
    "eventSource": "aws:dynamodb",
    "awsRegion": "us-east-1",
    "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
    "dynamodb": {
        "ApproximateCreationDateTime": datetime(2026, 11, 21, tzinfo=UTC),
        "Keys": {"pk": {"S": "DEVICE#a"}, "sk": {"S": "READING#x"}},
        "OldImage": {"pk": {"S": "DEVICE#a"}, "sk": {"S": "READING#x"}, "b": {"B": b"\x00"}},
        "SequenceNumber": "100",
        "SizeBytes": 26,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    },
}


def test_function_url_event_matches_the_model() -> None:
    """A signed POST's payload 2.0 event parses as Powertools' LambdaFunctionUrlModel."""
    request = HttpRequest(
        "POST",
        "/?a=1&a=2",
        [("Host", "127.0.0.1:9000"), ("Content-Type", "application/json"), ("Cookie", "c=1")],
        b'{"x": 1}',
        "127.0.0.1",
    )
    signer = Identity("AKID", "123456789012", "arn:aws:iam::123456789012:user/d", "AIDA")
    event = event_for_request(request, signer=signer)
    parsed = LambdaFunctionUrlModel.model_validate(event)
    assert parsed.requestContext.authorizer is not None


def test_stream_event_matches_the_model() -> None:
    """A TTL REMOVE as the poller hands it over parses as DynamoDBStreamModel."""
    record = to_lambda_record(RAW, stream_arn=STREAM_ARN)
    parsed = DynamoDBStreamModel.model_validate_json(event_payload([record]))
    assert parsed.Records[0].userIdentity is not None


def test_on_failure_record_matches_the_model() -> None:
    """The SQS on-failure record parses as DynamoDBStreamLambdaOnFailureDestinationModel."""
    record = to_lambda_record(RAW, stream_arn=STREAM_ARN)
    message = failure_message(
        [record],
        condition="RetryAttemptsExhausted",
        shard_id="shardId-1",
        stream_arn=STREAM_ARN,
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:f",
        invoke_count=3,
        request_id="r",
        function_error="Unhandled",
        now=datetime.now(UTC),
    )
    DynamoDBStreamLambdaOnFailureDestinationModel.model_validate(message)


app = LambdaFunctionUrlResolver()


@app.get("/json")
def _json() -> dict[str, Any]:
    return {"stored": 1}


@app.get("/binary")
def _binary() -> Response[bytes]:
    return Response(status_code=200, content_type="image/png", body=b"\x89PNG\x00\xff")


@app.get("/cookies")
def _cookies() -> Response[str]:
    return Response(
        status_code=201,
        content_type="text/plain",
        body="made",
        headers={"X-Tags": ["a", "b"]},
        cookies=[Cookie("session", "1"), Cookie("theme", "dark")],
    )


def powertools_url_response(path: str) -> HttpResponse:
    """What Powertools' Function URL resolver answers for ``path``, mapped by the data plane."""
    request = HttpRequest("GET", path, [("Host", "127.0.0.1")], b"", "127.0.0.1")
    event = event_for_request(request)
    notes: list[str] = []
    response = map_response(json.dumps(app.resolve(event, None)).encode(), notes=notes)
    assert notes == []  # nothing Powertools sends is mapped other than its author meant
    return response


def test_powertools_json_response_is_a_json_200() -> None:
    """A route's dict comes back as the JSON body with its content type."""
    response = powertools_url_response("/json")
    assert (response.status, json.loads(response.body)) == (200, {"stored": 1})
    assert ("Content-Type", "application/json") in response.headers


def test_powertools_binary_response_is_decoded_from_base64() -> None:
    """Powertools base64-encodes a binary body (isBase64Encoded); the client gets the bytes."""
    response = powertools_url_response("/binary")
    assert (response.status, response.body) == (200, b"\x89PNG\x00\xff")
    assert ("Content-Type", "image/png") in response.headers


def test_powertools_cookies_and_multi_value_headers_reach_the_client() -> None:
    """Cookies become one Set-Cookie each; a multi-value header arrives as Powertools joined it."""
    response = powertools_url_response("/cookies")
    assert response.status == 201 and response.body == b"made"
    assert [v for k, v in response.headers if k == "Set-Cookie"] == [
        "session=1; Secure",
        "theme=dark; Secure",
    ]
    assert ("X-Tags", "a, b") in response.headers


@pytest.mark.parametrize("failing", [None, 0, 2])
def test_powertools_batch_response_is_read_as_lambda_reads_it(failing: int | None) -> None:
    """Powertools' BatchProcessor answer for a stream batch is a PartialItemFailureResponse,
    and the data plane retries from the record it names (or nothing, if none)."""
    batch = [
        to_lambda_record(
            {**RAW, "dynamodb": {**RAW["dynamodb"], "SequenceNumber": str(n)}},
            stream_arn=STREAM_ARN,
        )
        for n in (100, 200, 300)
    ]
    event = json.loads(event_payload(batch))

    def handle(record: DynamoDBRecord) -> None:
        sequence = record.dynamodb.sequence_number if record.dynamodb else None
        if failing is not None and sequence == batch[failing].sequence_number:
            raise ValueError("poison")

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
    answer = process_partial_response(event, handle, processor, context=None)
    # Powertools' TypedDicts (typing's, which pydantic cannot load on 3.11): compare keys.
    assert set(answer) == set(PartialItemFailureResponse.__annotations__)
    for failure in answer["batchItemFailures"]:
        assert set(failure) == set(PartialItemFailures.__annotations__)
        assert isinstance(failure["itemIdentifier"], str)
    outcome = read_outcome(json.dumps(answer).encode(), None, batch, report_item_failures=True)
    assert outcome == BatchOutcome(failing)
