"""The emulator the benchmarks write to: moto_server with the real template deployed.

Reuses the test suite's helpers (tests/support), so the benchmarks and the tests start
moto_server and deploy infra/template.yaml the same way.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from tests.support.events import url_event
from tests.support.moto import MotoServer, running_moto_server
from tests.support.stack import deploy
from tests.support.streams import StreamReader
from thermostat.contract import format_timestamp

EPOCH = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass
class Emulator:
    moto: MotoServer
    outputs: dict[str, str]

    @property
    def table(self) -> str:
        return self.outputs["TableName"]

    def env(self) -> dict[str, str]:
        """What a function process needs: endpoint, credentials, region, TABLE_NAME."""
        return {**self.moto.env(), "TABLE_NAME": self.table}

    def unlimited_env(self) -> dict[str, str]:
        """``env()`` with the per-device rate limit off: a throughput benchmark sends one
        device's readings far faster than a Pi may (infra/template.yaml's default is 60 a
        minute), and measures the path, not the 429."""
        return {**self.env(), "DEVICE_READINGS_PER_MINUTE": "0"}

    def stream(self) -> StreamReader:
        return StreamReader(self.outputs["TableStreamArn"])


@contextlib.contextmanager
def running_emulator() -> Iterator[Emulator]:
    """moto_server on 127.0.0.1 with the stack deployed; this process's AWS_* point at it."""
    saved = dict(os.environ)
    with running_moto_server() as moto:
        os.environ.update(moto.env())
        os.environ.pop("AWS_PROFILE", None)
        try:
            yield Emulator(moto, deploy(boto3.client("cloudformation")))
        finally:
            os.environ.clear()
            os.environ.update(saved)


def readings(device: str, count: int, *, start: datetime = EPOCH, step_s: float = 30) -> list[Any]:
    """``count`` valid v2 readings of one device, ``step_s`` seconds apart."""
    return [
        {
            "device_id": device,
            "recorded_at": format_timestamp(start + timedelta(seconds=step_s * n)),
            "temperature_c": round(18 + (n % 40) / 10, 3),
            "setpoint_c": 20.0,
            "heating": n % 2 == 0,
        }
        for n in range(count)
    ]


def batches(device: str, size: int, requests: int) -> list[list[Any]]:
    """``requests`` batches of ``size`` readings of one device, each batch after the one before
    in time, so that no request sends a reading already stored."""
    return [
        readings(device, size, start=EPOCH + timedelta(seconds=30 * size * r))
        for r in range(requests)
    ]


def ingest_event(batch: list[Any]) -> dict[str, Any]:
    """A Function URL (payload 2.0) event carrying ``batch``, as Lambda delivers it."""
    return url_event(batch if len(batch) != 1 else batch[0])


def dumps(event: Any) -> str:
    return json.dumps(event)
