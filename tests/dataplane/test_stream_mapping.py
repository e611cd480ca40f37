"""The DynamoDB stream event source mapping against real streams: moto_server's and those of
Amazon's DynamoDB Local (each test runs on both).

The function is a fake (a plain class that records each batch and answers by a rule); the
on-failure queue is moto_server's.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from devstack.moto import MotoServer
from lambda_dataplane.config import InvocationResult
from lambda_dataplane.errors import DataplaneError, InvocationTooLargeError
from lambda_dataplane.filters import FilterCriteria
from lambda_dataplane.shard_poller import ShardPoller
from lambda_dataplane.stream_config import StreamMappingConfig
from lambda_dataplane.stream_mapping import StreamMapping
from tests.support.waiting import wait_for

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:stream"
READINGS_ONLY = FilterCriteria.from_property(
    {"Filters": [{"Pattern": '{"dynamodb": {"Keys": {"sk": {"S": [{"prefix": "READING#"}]}}}}'}]}
)
Batch = list[dict[str, Any]]


class FakeFunction:
    """Records every batch it gets and answers with ``rule(batch)``: (response, error)."""

    def __init__(self, rule: Callable[[Batch], tuple[Any, str | None]] | None = None) -> None:
        self.rule = rule or (lambda batch: (None, None))
        self.batches: list[Batch] = []
        self.down = 0  # the next N calls fail as a data-plane fault (never reach the code)
        self.max_records = 0  # batches longer than this are "over 6 MB" (0: no limit)

    def invoke(self, payload: bytes, *, timeout: float | None = None) -> InvocationResult:
        if self.down:
            self.down -= 1
            raise DataplaneError("environment could not be launched")
        batch = json.loads(payload)["Records"]
        if self.max_records and len(batch) > self.max_records:
            raise InvocationTooLargeError("over the 6 MB request limit")
        self.batches.append(batch)
        response, error = self.rule(batch)
        body = json.dumps(response).encode() if not isinstance(response, bytes) else response
        return InvocationResult(str(uuid.uuid4()), body, error, 1.0)

    def ids(self) -> list[list[str]]:
        return [[record_id(r) for r in batch] for batch in self.batches]


def record_id(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["Keys"]["sk"]["S"]).removeprefix("READING#")


def crash_on(bad: str) -> Callable[[Batch], tuple[Any, str | None]]:
    """A function that raises (Unhandled) whenever the batch holds record ``bad``."""

    def rule(batch: Batch) -> tuple[Any, str | None]:
        if any(record_id(r) == bad for r in batch):
            return {"errorType": "ValueError", "errorMessage": "poison"}, "Unhandled"
        return None, None

    return rule


def report(bad: str) -> Callable[[Batch], tuple[Any, str | None]]:
    """A function that reports record ``bad`` in batchItemFailures whenever it sees it."""

    def rule(batch: Batch) -> tuple[Any, str | None]:
        failed = [r["dynamodb"]["SequenceNumber"] for r in batch if record_id(r) == bad]
        return {"batchItemFailures": [{"itemIdentifier": s} for s in failed]}, None

    return rule


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server


@pytest.fixture(params=["moto", "dynamodb-local"])
def aws(request: pytest.FixtureRequest, moto: MotoServer) -> Callable[[str], Any]:
    """Clients to moto, the table and its stream on moto or on Amazon's DynamoDB Local."""
    table_endpoint = moto.endpoint_url
    if request.param == "dynamodb-local":
        table_endpoint = request.getfixturevalue("dynamodb_local").endpoint_url

    def client(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=table_endpoint if service.startswith("dynamodb") else moto.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="AKIDTEST",
            aws_secret_access_key="secret",
        )

    return client


class Stream:
    """A fresh table with a NEW_AND_OLD_IMAGES stream, and a fresh failure queue."""

    def __init__(self, aws: Callable[[str], Any]) -> None:
        self.dynamodb, self.streams, self.sqs = aws("dynamodb"), aws("dynamodbstreams"), aws("sqs")
        name = f"t{uuid.uuid4().hex[:10]}"
        table = self.dynamodb.create_table(
            TableName=name,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        self.table, self.arn = name, table["TableDescription"]["LatestStreamArn"]
        self.queue_url = self.sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        self.queue_arn = f"arn:aws:sqs:us-east-1:123456789012:{name}-dlq"
        description = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]
        self.shard_id = description["Shards"][0]["ShardId"]

    def put(self, *ids: str, sk_prefix: str = "READING#") -> None:
        for item_id in ids:
            item = {"pk": {"S": "DEVICE#d1"}, "sk": {"S": f"{sk_prefix}{item_id}"}}
            self.dynamodb.put_item(TableName=self.table, Item=item)

    def config(self, **overrides: Any) -> StreamMappingConfig:
        settings: dict[str, Any] = {
            "function_arn": FUNCTION_ARN,
            "stream_arn": self.arn,
            "batch_size": 10,
            "report_batch_item_failures": True,
            "on_failure_destination": self.queue_arn,
        }
        return StreamMappingConfig(**{**settings, **overrides})

    def poller(self, function: FakeFunction, **kwargs: Any) -> ShardPoller:
        iterator_type = kwargs.pop("iterator_type", "TRIM_HORIZON")
        clock = kwargs.pop("clock", lambda: datetime.now(UTC))
        monotonic = kwargs.pop("monotonic", time.monotonic)
        return ShardPoller(
            self.config(**kwargs),
            shard_id=self.shard_id,
            iterator_type=iterator_type,
            streams=self.streams,
            sqs=self.sqs,
            invoker=function,
            destination_url=self.queue_url,
            clock=clock,
            monotonic=monotonic,
            retry_backoff=0,
        )

    def dead_letters(self) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
        return [json.loads(m["Body"]) for m in answer.get("Messages", [])]


@pytest.fixture
def stream(aws: Callable[[str], Any]) -> Stream:
    return Stream(aws)


def drain(poller: ShardPoller, steps: int = 60) -> None:
    """Step until the poller has nothing left to do (bounded, so a bug cannot hang)."""
    for _ in range(steps):
        if not poller.step() and not poller.pending:
            return
    raise AssertionError("poller still busy after the step budget")


def test_event_has_the_shape_lambda_sends(stream: Stream) -> None:
    """Each record carries the fields of a Lambda DynamoDB event, images in attribute form."""
    stream.put("a")
    function = FakeFunction()
    drain(stream.poller(function))
    (record,) = function.batches[0]
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventName"] == "INSERT"
    assert record["eventSourceARN"] == stream.arn
    assert record["awsRegion"] == stream.arn.split(":")[3]  # DynamoDB Local's is "ddblocal"
    assert set(record) >= {"eventID", "eventVersion", "dynamodb"}
    body = record["dynamodb"]
    assert body["Keys"] == {"pk": {"S": "DEVICE#d1"}, "sk": {"S": "READING#a"}}
    assert body["NewImage"]["sk"] == {"S": "READING#a"}
    assert isinstance(body["ApproximateCreationDateTime"], int)
    assert body["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert body["SizeBytes"] > 0 and body["SequenceNumber"].isdigit()


def test_records_carry_the_stacks_region_and_dynamodbs_size(stream: Stream) -> None:
    """awsRegion is the mapping's region (moto says us-east-1, DynamoDB Local ddblocal);
    SizeBytes is Keys + NewImage by DynamoDB's item-size rules (moto counts JSON)."""
    stream.put("a")
    function = FakeFunction()
    drain(stream.poller(function, region="eu-west-1"))
    (record,) = function.batches[0]
    assert record["awsRegion"] == "eu-west-1"
    # pk "DEVICE#d1" is 2 + 9 bytes, sk "READING#a" 2 + 9: Keys 22, NewImage the same.
    assert record["dynamodb"]["SizeBytes"] == 44


def test_batches_hold_at_most_batch_size_records_in_order(stream: Stream) -> None:
    """Five records with BatchSize 2 arrive as batches of 2, 2 and 1, in stream order."""
    stream.put("1", "2", "3", "4", "5")
    function = FakeFunction()
    drain(stream.poller(function, batch_size=2))
    assert function.ids() == [["1", "2"], ["3", "4"], ["5"]]


def test_batching_window_holds_a_small_batch_until_it_expires(stream: Stream) -> None:
    """With a 10 s window, a lone record waits for the window, then is sent."""
    now = [100.0]
    stream.put("a")
    function = FakeFunction()
    poller = stream.poller(function, batching_window_seconds=10, monotonic=lambda: now[0])
    poller.step()
    poller.step()
    assert function.batches == []
    now[0] += 10
    poller.step()
    assert function.ids() == [["a"]]


def test_filtered_out_records_are_dropped_and_checkpointed(stream: Stream) -> None:
    """Only READING# records reach the function; the checkpoint moves past the others."""
    stream.put("a")
    stream.put("x", sk_prefix="HOUR#")
    function = FakeFunction()
    poller = stream.poller(function, filters=READINGS_ONLY)
    drain(poller)
    assert function.ids() == [["a"]]
    assert poller.reader.filtered == 1
    last = stream.streams.get_records(
        ShardIterator=stream.streams.get_shard_iterator(
            StreamArn=stream.arn, ShardId=stream.shard_id, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
    )["Records"][-1]
    assert poller.checkpoint == last["dynamodb"]["SequenceNumber"]


def test_partial_failure_retries_from_the_lowest_reported_record(stream: Stream) -> None:
    """Records before the reported one are checkpointed; the retry starts at it."""
    stream.put("1", "2", "3")
    replies = iter([report("2"), lambda batch: (None, None)])
    function = FakeFunction(lambda batch: next(replies)(batch))
    drain(stream.poller(function))
    assert function.ids() == [["1", "2", "3"], ["2", "3"]]


@pytest.mark.parametrize(
    "failures",
    [
        [{"itemIdentifier": ""}],
        [{"itemIdentifier": None}],
        [{"itemIdentifer": "1"}],
        [{"itemIdentifier": "999999"}],
    ],
    ids=["empty", "null", "bad-key-name", "unknown-sequence-number"],
)
def test_invalid_item_identifier_fails_the_whole_batch(
    stream: Stream, failures: list[dict[str, Any]]
) -> None:
    """An empty, null, misnamed or unknown itemIdentifier retries every record."""
    stream.put("1", "2")
    replies = iter([({"batchItemFailures": failures}, None)])
    function = FakeFunction(lambda batch: next(replies, (None, None)))
    drain(stream.poller(function))
    assert function.ids() == [["1", "2"], ["1", "2"]]


def test_item_failures_are_ignored_unless_report_batch_item_failures_is_on(
    stream: Stream,
) -> None:
    """Without ReportBatchItemFailures a returned failure list counts as success."""
    stream.put("1", "2")
    function = FakeFunction(report("1"))
    drain(stream.poller(function, report_batch_item_failures=False))
    assert function.ids() == [["1", "2"]]


def test_function_error_sends_the_batch_to_the_destination_after_the_retries(
    stream: Stream,
) -> None:
    """MaximumRetryAttempts 2: three invocations, then the documented failure record."""
    stream.put("1", "2")
    function = FakeFunction(crash_on("2"))
    poller = stream.poller(function, maximum_retry_attempts=2)
    drain(poller)
    assert function.ids() == [["1", "2"]] * 3
    (message,) = stream.dead_letters()
    sequence = [r["dynamodb"]["SequenceNumber"] for r in function.batches[0]]
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["requestContext"]["approximateInvokeCount"] == 3
    assert message["requestContext"]["functionArn"] == FUNCTION_ARN
    assert message["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert message["version"] == "1.0"
    info = message["DDBStreamBatchInfo"]
    assert info["shardId"] == stream.shard_id and info["streamArn"] == stream.arn
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == (sequence[0], sequence[1])
    assert info["batchSize"] == 2
    assert info["approximateArrivalOfFirstRecord"].endswith("Z")
    assert poller.checkpoint == sequence[1]


def test_bisect_isolates_the_poison_record_and_delivers_its_neighbours(stream: Stream) -> None:
    """BisectBatchOnFunctionError splits until the bad record fails alone."""
    stream.put("1", "2", "3", "4")
    function = FakeFunction(crash_on("3"))
    poller = stream.poller(function, bisect_on_error=True, maximum_retry_attempts=1)
    drain(poller)
    assert function.ids() == [["1", "2", "3", "4"], ["1", "2"], ["3", "4"], ["3"], ["3"], ["4"]]
    (message,) = stream.dead_letters()
    assert message["DDBStreamBatchInfo"]["batchSize"] == 1
    assert poller.stats.delivered == 3


def test_poison_record_blocks_later_records_until_it_is_resolved(stream: Stream) -> None:
    """A record is never delivered before an earlier failing record left the shard."""
    stream.put("1", "2", "3")
    function = FakeFunction(report("1"))
    drain(stream.poller(function, batch_size=1, maximum_retry_attempts=2))
    assert function.ids() == [["1"], ["1"], ["1"], ["2"], ["3"]]


def test_records_older_than_the_maximum_age_go_to_the_destination_uninvoked(
    stream: Stream,
) -> None:
    """MaximumRecordAgeInSeconds 60: a record 61 s old is discarded as RecordAgeExceeded."""
    stream.put("old")
    function = FakeFunction()
    later = datetime.now(UTC) + timedelta(seconds=61)
    drain(stream.poller(function, maximum_record_age_seconds=60, clock=lambda: later))
    assert function.batches == []
    (message,) = stream.dead_letters()
    assert message["requestContext"]["condition"] == "RecordAgeExceeded"
    assert message["requestContext"]["approximateInvokeCount"] == 0


def test_data_plane_faults_do_not_count_as_retries(stream: Stream) -> None:
    """Invocations that never reached the function are retried without using the quota."""
    stream.put("1")
    function = FakeFunction()
    function.down = 3
    poller = stream.poller(function, maximum_retry_attempts=0)
    drain(poller)
    assert function.ids() == [["1"]]
    assert poller.stats.service_errors == 3 and stream.dead_letters() == []


def test_batches_over_the_request_limit_are_split_not_counted(stream: Stream) -> None:
    """A payload over 6 MB is sent as smaller batches, without using retries."""
    stream.put("1", "2", "3", "4", "5")
    function = FakeFunction()
    function.max_records = 2
    poller = stream.poller(function, maximum_retry_attempts=0)
    drain(poller)
    assert function.ids() == [["1", "2"], ["3"], ["4", "5"]]
    assert stream.dead_letters() == []


def test_latest_skips_records_written_before_the_start(stream: Stream) -> None:
    """StartingPosition LATEST delivers only what was written after the first read."""
    stream.put("before")
    function = FakeFunction()
    poller = stream.poller(function, iterator_type="LATEST")
    poller.step()
    stream.put("after")
    drain(poller)
    assert function.ids() == [["after"]]


def test_mapping_threads_deliver_and_stop(stream: Stream) -> None:
    """StreamMapping polls in threads, delivers a new record, and joins them on stop."""
    function = FakeFunction()
    mapping = StreamMapping(
        stream.config(),
        invoker=function,
        streams=stream.streams,
        sqs=stream.sqs,
        poll_interval=0.02,
    )
    mapping.start()
    try:
        stream.put("a")
        wait_for(lambda: function.batches, timeout=5)
        assert function.ids() == [["a"]]
    finally:
        mapping.stop()
    assert not mapping.running
