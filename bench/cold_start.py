"""Cold start: process start -> first response through `python -m awslambdaric`.

Each run starts a fresh interpreter against bench.runtime_api (one event), exactly as the
Lambda service starts an image's ENTRYPOINT, and times two moments from just before
``Popen``: the first ``invocation/next`` (init done: runtime + handler module imported) and
the response POST (the first request served, including lazy imports and the AWS client).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import external, warm
from bench.emulator import Emulator, ingest_event, readings
from bench.runtime_api import OneEventRuntimeApi
from thermostat_ingest import handler as ingest_handler

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = {
    "hello": "bench.hello.handler",
    "ingest": "thermostat_ingest.handler.handler",
    "stream": "thermostat_stream.handler.handler",
}
# What a host process keeps from this environment; all AWS settings come from `env`.
_PASSTHROUGH = ("PATH", "HOME", "LANG", "TMPDIR")


@dataclass
class ColdStart:
    name: str
    init_ms: list[float]
    total_ms: list[float]

    @staticmethod
    def _p90(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]

    def summary(self) -> dict[str, Any]:
        return {
            "runs": len(self.total_ms),
            "init_median_ms": round(statistics.median(self.init_ms), 1),
            "total_median_ms": round(statistics.median(self.total_ms), 1),
            "total_p90_ms": round(self._p90(self.total_ms), 1),
            "total_ms": [round(v, 1) for v in self.total_ms],
        }


def docker_argv(image: str, handler: str, env: dict[str, str], name: str) -> list[str]:
    """``docker run`` of a function image (host network: the Runtime API is on 127.0.0.1).

    The floor's handler file is mounted into the image's task root, so the floor and the
    function start from the same image, interpreter and awslambdaric.
    """
    argv = ["docker", "run", "--rm", "--name", name, "--network", "host"]
    argv += ["-v", f"{ROOT / 'bench' / 'hello.py'}:/var/task/bench_hello.py:ro"]
    for name, value in env.items():
        argv += ["-e", f"{name}={value}"]
    return [*argv, image, handler]


def one_cold_start(
    handler: str, event: Any, env: dict[str, str], *, image: str | None = None
) -> tuple[float, float, Any]:
    """Start awslambdaric for ``handler`` (on the host, or in ``image``), give it ``event``.

    Returns (init ms, total ms, response).
    """
    container = f"bench-cold-{uuid.uuid4().hex[:12]}"
    with OneEventRuntimeApi(event) as api:
        lambda_env = {
            **env,
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "_HANDLER": handler,
            "AWS_LAMBDA_FUNCTION_NAME": "bench",
        }
        if image is None:
            argv = [sys.executable, "-m", "awslambdaric", handler]
            child_env = {k: os.environ[k] for k in _PASSTHROUGH if k in os.environ} | lambda_env
        else:
            argv = docker_argv(image, handler, lambda_env, container)
            child_env = dict(os.environ)
        started = time.perf_counter()
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=child_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            if not api.timeline.done.wait(timeout=60):
                raise RuntimeError(f"{handler}: no response within 60 s")
        finally:
            if image is not None:  # killing `docker run` would leave the container running
                subprocess.run(["docker", "rm", "-f", container], capture_output=True, check=False)
            process.kill()
            _, stderr = process.communicate()
        timeline = api.timeline
        if timeline.error is not None or timeline.first_next is None or timeline.answered is None:
            raise RuntimeError(f"{handler} failed: {timeline.error} {stderr.decode()[-2000:]}")
        return (
            (timeline.first_next - started) * 1000,
            (timeline.answered - started) * 1000,
            timeline.response,
        )


def cold_events(emulator: Emulator) -> dict[str, Any]:
    """One valid reading for ingest (and the floor); one real stream record for stream."""
    event = ingest_event(readings("cold-start", 1))
    stream = emulator.stream()
    stream.records()
    app = ingest_handler.build_app(emulator.env())
    warm.quiet(app.logger)
    # A device of its own each call: the same reading twice is stored once, with one record.
    device = f"cold-stream-{uuid.uuid4().hex[:8]}"
    assert app.handle(ingest_event(readings(device, 1)))["statusCode"] == 200
    [record] = stream.records()
    return {"hello": event, "ingest": event, "stream": {"Records": [record]}}


def cold_starts(emulator: Emulator, runs: int, say: Callable[[str], None]) -> dict[str, Any]:
    """``runs`` cold starts of each function, interleaved so load drift hits all alike."""
    events = cold_events(emulator)
    results = {name: ColdStart(name, [], []) for name in FUNCTIONS}
    for name, handler in FUNCTIONS.items():  # discarded: compiles .pyc, as an image build does
        one_cold_start(handler, events[name], emulator.env())
    for run in range(runs):
        say(f"cold start round {run + 1}/{runs}")
        for name, handler in FUNCTIONS.items():
            init_ms, total_ms, response = one_cold_start(handler, events[name], emulator.env())
            if name == "ingest":
                assert response["statusCode"] == 200, response
            results[name].init_ms.append(init_ms)
            results[name].total_ms.append(total_ms)
    return {name: result.summary() for name, result in results.items()}


def image_cold_starts(emulator: Emulator, runs: int, say: Callable[[str], None]) -> dict[str, Any]:
    """The same in the built images (``make images``), started by ``docker run``."""
    found = external.image_ids()
    if not found:
        return {}
    events = cold_events(emulator)
    specs = {
        "hello (ingest image)": (found["ingest"], "bench_hello.handler", events["hello"]),
        "ingest image": (found["ingest"], FUNCTIONS["ingest"], events["ingest"]),
        "stream image": (found["stream"], FUNCTIONS["stream"], events["stream"]),
    }
    results = {name: ColdStart(name, [], []) for name in specs}
    for run in range(runs + 1):
        say(f"image cold start round {run + 1}/{runs + 1}")
        for name, (image, handler, event) in specs.items():
            init_ms, total_ms, _ = one_cold_start(handler, event, emulator.env(), image=image)
            if run:  # the first round warms the page cache, as a provisioned host would be
                results[name].init_ms.append(init_ms)
                results[name].total_ms.append(total_ms)
    return {name: result.summary() for name, result in results.items()}


def ratios(host: dict[str, Any], image: dict[str, Any]) -> dict[str, float | None]:
    """Each function's median first response over the floor's, on the host and in the image."""
    found: dict[str, float | None] = {}
    for where, runs, floor_name in (
        ("host", host, "hello"),
        ("image", image, "hello (ingest image)"),
    ):
        floor = runs.get(floor_name, {}).get("total_median_ms")
        for function in ("ingest", "stream"):
            name = function if where == "host" else f"{function} image"
            median = runs.get(name, {}).get("total_median_ms")
            found[f"{where}_{function}_ratio"] = (
                round(median / floor, 2) if median is not None and floor else None
            )
    return found
