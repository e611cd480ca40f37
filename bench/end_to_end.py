"""End to end through `make dev`: POST one reading, time until its hourly rollup has it (the
open hour its device's status item keeps).

Starts ``thermostat-devstack --no-pi`` (what `make dev` runs) on a free port with its own
state directory, signs each POST with SigV4 like the Pi, and polls GetItem every 5 ms.
"""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from thermostat.contract import format_timestamp
from thermostat.endpoints import Endpoints
from thermostat.items import StatusItem, from_wire, to_wire

ROOT = Path(__file__).resolve().parents[1]
DEVSTACK = Path(sys.executable).with_name("thermostat-devstack")
DEVICE = "bench-e2e"
Measures = list[tuple[str, str]]


def _wait_for(path: Path, process: subprocess.Popen[bytes], deadline_s: float) -> Endpoints:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if path.exists():  # written whole (renamed into place)
            return Endpoints.read(path)
        if process.poll() is not None:
            raise RuntimeError(f"thermostat-devstack exited with {process.returncode}")
        time.sleep(0.1)
    raise RuntimeError("thermostat-devstack did not write endpoints.json in time")


@contextlib.contextmanager
def running_devstack(state: Path) -> Iterator[Endpoints]:
    """``thermostat-devstack --no-pi`` (what `make dev` runs) on free ports, with its state in
    ``state`` and none of this shell's AWS settings; its endpoints. Interrupted at the end."""
    from tests.support.moto import free_port

    with (state / "devstack.log").open("wb") as output:
        ports = ["--port", str(free_port()), "--url-port", str(free_port())]
        process = subprocess.Popen(
            [str(DEVSTACK), "--no-pi", "--state-dir", str(state), *ports],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        )
    try:
        yield _wait_for(state / "endpoints.json", process, 120)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _rolled_up_to(dynamodb: Any, table: str) -> datetime | None:
    """The newest reading in the device's open hour, as its status item keeps it (the HOUR
    item is written once the next hour closes it)."""
    item = dynamodb.get_item(
        TableName=table, Key=to_wire(StatusItem.key_of(DEVICE)), ConsistentRead=True
    ).get("Item")
    status = StatusItem.from_item(from_wire(item)) if item else None
    return status.open_hour.stats.last_recorded_at if status and status.open_hour else None


def end_to_end(samples: int) -> Measures:
    """POST one reading to `make dev`'s Function URL; time until its hourly rollup includes it."""
    if not DEVSTACK.exists():
        return []
    import boto3
    import requests
    from requests_aws4auth import AWS4Auth

    with (
        tempfile.TemporaryDirectory(prefix="bench-e2e-") as state,
        running_devstack(Path(state)) as endpoints,
    ):
        auth = AWS4Auth(
            endpoints.access_key_id, endpoints.secret_access_key, endpoints.region, "lambda"
        )
        dynamodb = boto3.client("dynamodb", **endpoints.client_args())
        start = (datetime.now(UTC) - timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
        latencies = []
        with requests.Session() as session:
            for n in range(samples + 1):
                taken = start + timedelta(seconds=5 * n)
                reading = {
                    "device_id": DEVICE,
                    "recorded_at": format_timestamp(taken),
                    "temperature_c": 20.0,
                    "setpoint_c": 20.0,
                    "heating": False,
                }
                sent = time.perf_counter()
                response = session.post(endpoints.ingest_url, json=reading, auth=auth, timeout=30)
                response.raise_for_status()
                deadline = sent + 30
                while _rolled_up_to(dynamodb, endpoints.table_name) != taken:
                    if time.perf_counter() > deadline:
                        raise RuntimeError(f"reading {taken} not rolled up within 30 s")
                    time.sleep(0.005)
                if n:  # the first one also starts both functions: a cold start
                    latencies.append((time.perf_counter() - sent) * 1000)
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return [
        (
            f"POST -> hourly rollup, {len(ordered)} readings, p50 / p99",
            f"{statistics.median(ordered):.0f} ms / {p99:.0f} ms",
        )
    ]
