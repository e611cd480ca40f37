"""End to end through `make dev`: POST one reading, time until its hour's rollup has it.

Starts ``thermostat-devstack --no-pi`` (what `make dev` runs) on a free port with its own
state directory, signs each POST with SigV4 like the Pi, and polls the device's status item
(GetItem) every 5 ms.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from thermostat.contract import format_timestamp

ROOT = Path(__file__).resolve().parents[1]
Measures = list[tuple[str, str]]


def _wait_for(path: Path, process: subprocess.Popen[bytes], deadline_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if path.exists():
            return dict(json.loads(path.read_text()))
        if process.poll() is not None:
            raise RuntimeError(f"thermostat-devstack exited with {process.returncode}")
        time.sleep(0.1)
    raise RuntimeError("thermostat-devstack did not write endpoints.json in time")


def end_to_end(samples: int) -> Measures:
    """POST one reading to `make dev`'s Function URL; time until its hour's rollup (the open
    hour on the device's status) includes it."""
    devstack = Path(sys.executable).with_name("thermostat-devstack")
    if not devstack.exists():
        return []
    import boto3
    import requests
    from requests_aws4auth import AWS4Auth

    from tests.support.moto import free_port

    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as state:
        log = Path(state) / "devstack.log"
        with log.open("wb") as output:
            ports = ["--port", str(free_port()), "--url-port", str(free_port())]
            process = subprocess.Popen(
                [str(devstack), "--no-pi", "--state-dir", state, *ports],
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
                env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
            )
        try:
            endpoints = _wait_for(Path(state) / "endpoints.json", process, 120)
            auth = AWS4Auth(
                endpoints["access_key_id"],
                endpoints["secret_access_key"],
                endpoints["region"],
                "lambda",
            )
            dynamodb = boto3.client(
                "dynamodb",
                endpoint_url=endpoints["aws_endpoint_url"],
                region_name=endpoints["region"],
                aws_access_key_id=endpoints["access_key_id"],
                aws_secret_access_key=endpoints["secret_access_key"],
            )
            start = (datetime.now(UTC) - timedelta(hours=2)).replace(
                minute=0, second=0, microsecond=0
            )
            latencies = []
            with requests.Session() as session:
                for n in range(samples + 1):
                    moment = format_timestamp(start + timedelta(seconds=5 * n))
                    reading = {
                        "device_id": "bench-e2e",
                        "recorded_at": moment,
                        "temperature_c": 20.0,
                        "setpoint_c": 20.0,
                        "heating": False,
                    }
                    sent = time.perf_counter()
                    response = session.post(
                        endpoints["ingest_url"], json=reading, auth=auth, timeout=30
                    )
                    response.raise_for_status()
                    # The hour being filled is kept on the device's status item (the stream
                    # function writes it there with the status, in one write per batch).
                    key = {"pk": {"S": "DEVICE#bench-e2e"}, "sk": {"S": "STATUS"}}
                    deadline = sent + 30
                    while True:
                        item = dynamodb.get_item(
                            TableName=endpoints["table_name"], Key=key, ConsistentRead=True
                        ).get("Item")
                        hour = (item or {}).get("open_hour", {}).get("M", {})
                        if (
                            item
                            and item["last_recorded_at"]["S"] == moment
                            and hour.get("period") == {"S": moment[:13]}
                        ):
                            break
                        if time.perf_counter() > deadline:
                            raise RuntimeError(f"reading {moment} not rolled up within 30 s")
                        time.sleep(0.005)
                    if n:  # the first one also starts both functions: a cold start
                        latencies.append((time.perf_counter() - sent) * 1000)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return [
        (
            f"POST -> hourly rollup, {len(ordered)} readings, p50 / p99",
            f"{statistics.median(ordered):.0f} ms / {p99:.0f} ms",
        )
    ]
