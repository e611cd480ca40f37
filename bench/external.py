"""Benchmarks that use other parts of the project when they are there: the local data plane's
Function URL, ``make dev`` (POST -> rollup latency), the Pi client's own bench, the images.

Each returns nothing (the table then says "not available") when its piece is missing.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.emulator import Emulator, batches, readings
from bench.end_to_end import end_to_end
from bench.throughput import throughput

ROOT = Path(__file__).resolve().parents[1]
Measures = list[tuple[str, str]]


def _post(connection: http.client.HTTPConnection, path: str, body: bytes) -> int:
    connection.request("POST", path, body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    return response.status


def function_url_throughput(emulator: Emulator, sizes: Sequence[int]) -> list[Any]:
    """Readings/s through lambda_dataplane's FunctionUrlServer (auth NONE) and awslambdaric."""
    try:
        from lambda_dataplane import FunctionConfig, FunctionRuntime, FunctionUrlServer
    except ImportError:
        return []
    config = FunctionConfig(
        name="ingest",
        arn="arn:aws:lambda:us-east-1:123456789012:function:ingest",
        command=("thermostat_ingest.handler.handler",),
        environment={"TABLE_NAME": emulator.table, "DEVICE_READINGS_PER_MINUTE": "0"},
        timeout_seconds=30,
    )
    runtime = FunctionRuntime(config, extra_env=emulator.moto.env(), log_sink=lambda f, line: None)
    runtime.start()
    server = FunctionUrlServer(runtime, auth_type="NONE", region="us-east-1")
    server.start()
    url = urlsplit(server.url)
    results = []
    try:
        connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
        assert _post(connection, "/", json.dumps(readings("url-warmup", 1)).encode()) == 200

        def send(body: bytes) -> None:
            assert _post(connection, "/", body) == 200

        for size in sizes:
            requests = max(3, 300 // size)
            bodies = [
                json.dumps(batch).encode() for batch in batches(f"url-{size}", size, requests)
            ]
            results.append(throughput(size, bodies, send))
        connection.close()
    finally:
        server.stop()
        runtime.stop()
    return results


def pi_client() -> Measures:
    """Run pi/bench/bench_client.py and keep its "measure  value" rows."""
    script = ROOT / "pi" / "bench" / "bench_client.py"
    if not script.exists():
        return []
    done = subprocess.run(
        [sys.executable, str(script), "--readings", "300", "--backlog", "10000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        return [("bench_client.py failed", done.stderr.strip().splitlines()[-1][:80])]
    lines = done.stdout.strip().splitlines()
    rows = []
    for line in lines[2:]:  # after the header and its rule
        name, _, value = line.rpartition("  ")
        rows.append((name.strip(), value.strip()))
    return rows


# The names `make images` gives them (IMAGE_PREFIX and IMAGE_TAG, as there).
_PREFIX, _TAG = os.environ.get("IMAGE_PREFIX", "thermostat"), os.environ.get("IMAGE_TAG", "latest")
IMAGES = {"ingest": f"{_PREFIX}-ingest:{_TAG}", "stream": f"{_PREFIX}-stream:{_TAG}"}


def image_ids() -> dict[str, str]:
    """The function images `make images` built, if Docker answers and both are there."""
    if shutil.which("docker") is None:
        return {}
    found = {}
    for function, name in IMAGES.items():
        inspected = subprocess.run(
            ["docker", "image", "inspect", name, "--format", "{{.Id}}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if inspected.returncode != 0:
            return {}
        found[function] = inspected.stdout.strip()
    return found


def images() -> Measures:
    """Uncompressed (docker's Size) and gzip-compressed (docker save | gzip) image sizes."""
    if shutil.which("docker") is None:
        return []
    rows = []
    for function, image in image_ids().items():
        inspected = subprocess.run(
            ["docker", "image", "inspect", image, "--format", "{{.Size}}"],
            capture_output=True,
            text=True,
            check=True,
        )
        size = int(inspected.stdout.strip())
        save = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
        gzip = subprocess.run(["gzip", "-6", "-c"], stdin=save.stdout, capture_output=True)
        if save.wait() != 0 or gzip.returncode != 0:
            raise RuntimeError(f"docker save {IMAGES[function]} failed")
        rows.append(
            (
                f"{IMAGES[function]}: uncompressed / saved and gzipped",
                f"{size / 1e6:.0f} MB / {len(gzip.stdout) / 1e6:.0f} MB",
            )
        )
    return rows


def collect(say: Callable[[str], None], *, e2e_samples: int) -> dict[str, Measures]:
    found: dict[str, Measures] = {}
    runs: tuple[tuple[str, Callable[[], Measures]], ...] = (
        ("end to end", lambda: end_to_end(e2e_samples)),
        ("pi client", pi_client),
        ("images", images),
    )
    for area, run in runs:
        say(area)
        try:
            found[area] = run()
        except Exception as err:  # noqa: BLE001 - one missing piece must not sink the table
            found[area] = [("failed", f"{type(err).__name__}: {err}"[:100])]
    return found
