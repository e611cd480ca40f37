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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.runtime_api import OneEventRuntimeApi

ROOT = Path(__file__).resolve().parents[1]
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
