"""Shard iterators AWS says to replace: the reader takes a new one and loses nothing.

GetRecords answers ExpiredIteratorException (an iterator lives 15 minutes) and
TrimmedDataAccessException (it points at trimmed records; DynamoDB Local also raises it on
a fresh table) with "get a new iterator":
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html.
Neither can be made to happen on demand, so the real streams client (moto's or DynamoDB
Local's: each test runs on both) answers chosen calls with the error botocore raises.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from lambda_dataplane.stream_mapping import StreamMapping
from tests.dataplane.test_stream_mapping import FakeFunction, Stream, drain
from tests.support.moto import MotoServer
from tests.support.waiting import wait_for

CLIENT_SETTINGS = {
    "region_name": "us-east-1",
    "aws_access_key_id": "AKIDTEST",
    "aws_secret_access_key": "secret",
}

MESSAGES = {
    "ExpiredIteratorException": "Iterator expired",
    "TrimmedDataAccessException": "The operation attempted to read past the oldest stream record",
    "LimitExceededException": "Too many requests",
}


class FailingStreams:
    """A real DynamoDB Streams client that answers chosen calls with an AWS error.

    ``kill_next_iterator``: the iterator of the next GetRecords call is dead from then on,
    every use of it fails with that error, as AWS says of an expired or trimmed iterator.
    ``fail_next``: the next calls of an operation fail once each (throttling, say).
    """

    def __init__(self, streams: Any) -> None:
        self._streams = streams
        self._failures: dict[str, deque[str]] = {"GetRecords": deque(), "GetShardIterator": deque()}
        self._killing: deque[str] = deque()
        self._dead: dict[str, str] = {}  # iterator -> the error every use of it gets
        self.iterator_requests: list[dict[str, str]] = []

    def kill_next_iterator(self, code: str) -> None:
        self._killing.append(code)

    def fail_next(self, operation: str, *codes: str) -> None:
        self._failures[operation].extend(codes)

    def _error(self, code: str, operation: str) -> ClientError:
        error = getattr(self._streams.exceptions, code)  # the modeled ClientError subclass
        return error({"Error": {"Code": code, "Message": MESSAGES[code]}}, operation)  # type: ignore[no-any-return]

    def get_records(self, **kwargs: Any) -> Any:
        iterator = kwargs["ShardIterator"]
        if self._killing and iterator not in self._dead:
            self._dead[iterator] = self._killing.popleft()
        if iterator in self._dead:
            raise self._error(self._dead[iterator], "GetRecords")
        if self._failures["GetRecords"]:
            raise self._error(self._failures["GetRecords"].popleft(), "GetRecords")
        return self._streams.get_records(**kwargs)

    def get_shard_iterator(self, **kwargs: Any) -> Any:
        self.iterator_requests.append(
            {k: v for k, v in kwargs.items() if k in ("ShardIteratorType", "SequenceNumber")}
        )
        if self._failures["GetShardIterator"]:
            raise self._error(self._failures["GetShardIterator"].popleft(), "GetShardIterator")
        return self._streams.get_shard_iterator(**kwargs)

    def describe_stream(self, **kwargs: Any) -> Any:
        return self._streams.describe_stream(**kwargs)


@dataclass
class Case:
    stream: Stream  # a fresh table and stream, on moto or DynamoDB Local
    failing: FailingStreams  # its streams client; pollers made by stream.poller use it


@pytest.fixture(params=["moto", "dynamodb-local"])
def case(request: pytest.FixtureRequest, moto: MotoServer) -> Case:
    """A fresh table and stream on moto or on DynamoDB Local, read through FailingStreams."""
    table_endpoint = moto.endpoint_url
    if request.param == "dynamodb-local":
        table_endpoint = request.getfixturevalue("dynamodb_local").endpoint_url

    def client(service: str) -> Any:
        endpoint = table_endpoint if service.startswith("dynamodb") else moto.endpoint_url
        return boto3.client(service, endpoint_url=endpoint, **CLIENT_SETTINGS)  # type: ignore[call-overload]

    stream = Stream(client)
    stream.streams = failing = FailingStreams(stream.streams)
    return Case(stream, failing)


def sequence_of(function: FakeFunction, batch: int, index: int) -> str:
    return str(function.batches[batch][index]["dynamodb"]["SequenceNumber"])


@pytest.mark.parametrize("code", ["ExpiredIteratorException", "TrimmedDataAccessException"])
def test_get_records_error_gets_a_new_iterator_after_the_last_record_read(
    case: Case, code: str
) -> None:
    """After either error the reader asks for AFTER_SEQUENCE_NUMBER of the last record read,
    and every record is delivered once, in order."""
    case.stream.put("a", "b")
    function = FakeFunction()
    poller = case.stream.poller(function)
    drain(poller)
    case.stream.put("c")
    case.failing.kill_next_iterator(code)
    drain(poller)
    assert function.ids() == [["a", "b"], ["c"]]
    assert case.failing.iterator_requests[-1] == {
        "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
        "SequenceNumber": sequence_of(function, 0, 1),
    }
    assert poller.reader.renewed_iterators == 1


def test_error_before_any_record_was_read_starts_again_at_the_starting_position(case: Case) -> None:
    """With nothing read yet, the new iterator is of the mapping's own type (TRIM_HORIZON)."""
    case.stream.put("a")
    case.failing.kill_next_iterator("TrimmedDataAccessException")
    function = FakeFunction()
    drain(case.stream.poller(function))
    assert function.ids() == [["a"]]
    assert [r["ShardIteratorType"] for r in case.failing.iterator_requests] == [
        "TRIM_HORIZON",
        "TRIM_HORIZON",
    ]


def test_position_trimmed_away_reads_on_from_the_trim_horizon(case: Case) -> None:
    """When the last position itself is trimmed, the reader goes on from TRIM_HORIZON."""
    case.stream.put("a")
    function = FakeFunction()
    poller = case.stream.poller(function)
    drain(poller)
    case.failing.kill_next_iterator("TrimmedDataAccessException")
    case.failing.fail_next("GetShardIterator", "TrimmedDataAccessException")
    poller.step()
    poller.step()
    assert [r["ShardIteratorType"] for r in case.failing.iterator_requests[-2:]] == [
        "AFTER_SEQUENCE_NUMBER",
        "TRIM_HORIZON",
    ]
    assert poller.reader.trimmed_restarts == 1


def test_throttling_keeps_the_iterator_and_is_raised_for_the_mapping_to_retry(case: Case) -> None:
    """LimitExceededException is not an iterator problem: raised, no new iterator asked for."""
    case.stream.put("a")
    function = FakeFunction()
    poller = case.stream.poller(function)
    poller.step()
    asked = len(case.failing.iterator_requests)
    case.failing.fail_next("GetRecords", "LimitExceededException")
    with pytest.raises(ClientError, match="LimitExceededException"):
        poller.step()
    drain(poller)
    assert len(case.failing.iterator_requests) == asked
    assert poller.reader.renewed_iterators == 0


def test_mapping_keeps_delivering_after_trimmed_data_errors(case: Case) -> None:
    """The stall seen on LocalStack: a shard thread that meets TrimmedDataAccessException
    goes on delivering instead of retrying a dead iterator forever."""
    function = FakeFunction()
    mapping = StreamMapping(
        case.stream.config(),
        invoker=function,
        streams=case.failing,
        sqs=case.stream.sqs,
        poll_interval=0.02,
    )
    case.failing.kill_next_iterator("TrimmedDataAccessException")
    mapping.start()
    try:
        case.stream.put("a")
        wait_for(lambda: function.batches, timeout=10)
        assert function.ids() == [["a"]]
    finally:
        mapping.stop()
