"""Emulated DynamoDB throttling in front of the real emulator (moto_server), two ways.

* :class:`UnprocessedClient` wraps the real client: per call a scripted share of the items
  is really written to moto and the rest handed back as ``UnprocessedItems``, as a
  throttled table does.
* :func:`throttle_sends` makes botocore's own HTTP send answer HTTP 400
  ``ProvisionedThroughputExceededException`` (DynamoDB's wire format) for chosen
  BatchWriteItem attempts, so botocore's real retry logic decides what happens next.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

THROTTLED_BODY = {
    "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    "message": "The level of configured provisioned throughput for the table was exceeded.",
}


class UnprocessedClient:
    """Call i writes ``takes[i]`` of its items to moto (all once the script ends)."""

    def __init__(self, takes: list[int]) -> None:
        self._client = boto3.client("dynamodb")
        self._takes = list(takes)
        self.calls: list[tuple[int, int]] = []  # (items sent, items taken)

    def batch_write_item(self, **kwargs: Any) -> Any:
        [(table, requests)] = kwargs["RequestItems"].items()
        take = self._takes.pop(0) if self._takes else len(requests)
        take = min(take, len(requests))
        self.calls.append((len(requests), take))
        if take:
            response = self._client.batch_write_item(RequestItems={table: requests[:take]})
            assert not response.get("UnprocessedItems"), "moto itself left items unprocessed"
        left = requests[take:]
        return {"UnprocessedItems": {table: left} if left else {}}


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class SendThrottle:
    """Answers BatchWriteItem send i with a throttling error when ``pattern[i]`` is true."""

    def __init__(self, pattern: list[bool]) -> None:
        self._pattern = list(pattern)
        self.throttled = 0
        self.forwarded = 0

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        if not (self._pattern and self._pattern.pop(0)):
            self.forwarded += 1
            return None  # botocore sends it to moto_server for real
        self.throttled += 1
        body = json.dumps(THROTTLED_BODY).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "Content-Length": str(len(body))}
        return AWSResponse(request.url, 400, headers, _Raw(body))  # type: ignore[arg-type]


def throttle_sends(client: Any, pattern: list[bool]) -> SendThrottle:
    """Register a throttle on a real boto3 DynamoDB client's BatchWriteItem sends."""
    throttle = SendThrottle(pattern)
    client.meta.events.register("before-send.dynamodb.BatchWriteItem", throttle)
    return throttle
