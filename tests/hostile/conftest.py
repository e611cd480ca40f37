"""Hostile-input and fault tests: one hypothesis profile, a DynamoDB client that records writes.

The profile is deterministic (``derandomize=True``, no example database) so CI sees the same
examples on every run, and has no per-example deadline: moto answers in milliseconds, but a
shared CI machine may pause.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "hostile",
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HOSTILE = settings.get_profile("hostile")


class RecordingClient:
    """The real boto3 DynamoDB client (to moto_server), noting every item it really wrote."""

    def __init__(self) -> None:
        self._client = boto3.client("dynamodb")
        self.writes: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def put_item(self, **kwargs: Any) -> Any:
        answer = self._client.put_item(**kwargs)  # a failed condition raises: nothing written
        with self._lock:
            self.writes.append(kwargs["Item"])
        return answer

    def get_item(self, **kwargs: Any) -> Any:
        return self._client.get_item(**kwargs)

    def batch_write_item(self, **kwargs: Any) -> Any:
        for requests in kwargs["RequestItems"].values():
            self.writes.extend(request["PutRequest"]["Item"] for request in requests)
        return self._client.batch_write_item(**kwargs)


@pytest.fixture
def table(stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """The deployed table's name, also set as TABLE_NAME for the handlers."""
    monkeypatch.setenv("TABLE_NAME", stack["TableName"])
    return stack["TableName"]
