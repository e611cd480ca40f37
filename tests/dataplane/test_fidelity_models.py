"""Events the data plane produces, validated against aws-lambda-powertools' models of AWS's
events (a dev dependency: https://docs.powertools.aws.dev/lambda/python/latest/utilities/parser/)."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.parser.models import (
    DynamoDBStreamLambdaOnFailureDestinationModel,
    DynamoDBStreamModel,
    LambdaFunctionUrlModel,
)

from lambda_dataplane.stream_events import event_payload, failure_message, to_lambda_record
from lambda_dataplane.url_event import HttpRequest, build_event

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
    iam = {
        "accessKey": "AKID",
        "accountId": "123456789012",
        "callerId": "AIDA",
        "cognitoIdentity": None,
        "principalOrgId": None,
        "userArn": "arn:aws:iam::123456789012:user/d",
        "userId": "AIDA",
    }
    event = build_event(
        request,
        request_id="r",
        account_id="123456789012",
        now=datetime.now(UTC),
        authorizer_iam=iam,
    )
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
