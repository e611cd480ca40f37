"""Emulated DynamoDB throttling in front of the real emulator (moto_server), two ways.

* :class:`UnprocessedClient` wraps the real client: per call a scripted share of the items
  is really written to moto and the rest handed back as ``UnprocessedItems``, as a
  throttled table does (BatchWriteItem: the store's bulk path).
* :func:`throttle_puts` makes botocore's own HTTP send answer HTTP 400
  ``ProvisionedThroughputExceededException`` (DynamoDB's wire format) to chosen PutItem
  attempts, picked by the reading's sort key (the puts run in parallel, so send order is not
  deterministic), and botocore's real retry logic decides what happens next.
"""

from __future__ import annotations

import json
import threading
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


class PutThrottle:
    """Throttles the first ``times[sk]`` PutItem attempts of the item with sort key ``sk``."""

    def __init__(self, times: dict[str, int]) -> None:
        self._left = dict(times)
        self._lock = threading.Lock()
        self.throttled = 0
        self.forwarded = 0

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        sk = json.loads(request.body)["Item"]["sk"]["S"]
        with self._lock:
            if self._left.get(sk, 0) <= 0:
                self.forwarded += 1
                return None  # botocore sends it to moto_server for real
            self._left[sk] -= 1
            self.throttled += 1
        body = json.dumps(THROTTLED_BODY).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "Content-Length": str(len(body))}
        return AWSResponse(request.url, 400, headers, _Raw(body))  # type: ignore[arg-type]


def throttle_puts(client: Any, times: dict[str, int]) -> PutThrottle:
    """Register a throttle on a real boto3 DynamoDB client's PutItem sends."""
    throttle = PutThrottle(times)
    client.meta.events.register("before-send.dynamodb.PutItem", throttle)
    return throttle
