"""Fixtures for the data-plane tests: real awslambdaric environments and Runtime API servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lambda_dataplane import FunctionConfig, FunctionRuntime, ProcessLauncher
from lambda_dataplane.runtime_api import RuntimeApiServer

HANDLERS = Path(__file__).parent / "handlers"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:{name}"


class LogLines:
    """A log sink that keeps (function, line) pairs for assertions."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def __call__(self, function: str, line: str) -> None:
        self.lines.append((function, line))

    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)


@pytest.fixture
def logs() -> LogLines:
    return LogLines()


@pytest.fixture
def make_runtime(logs: LogLines) -> Iterator[Callable[..., FunctionRuntime]]:
    """Start FunctionRuntimes over the handlers in tests/dataplane/handlers; stop them after."""
    started: list[FunctionRuntime] = []

    def make(handler: str, **overrides: Any) -> FunctionRuntime:
        name = overrides.pop("name", handler.replace(".", "-"))
        runtime_args = {
            k: overrides.pop(k) for k in ("extra_env", "init_timeout") if k in overrides
        }
        config = FunctionConfig(
            name=name, arn=ARN.format(name=name), command=(handler,), **overrides
        )
        runtime = FunctionRuntime(
            config, launcher=ProcessLauncher(cwd=HANDLERS), log_sink=logs, **runtime_args
        )
        started.append(runtime)
        runtime.start()
        return runtime

    yield make
    for runtime in started:
        runtime.stop()


@pytest.fixture
def runtime_api() -> Iterator[RuntimeApiServer]:
    """A Runtime API server with no environment behind it, driven over raw HTTP."""
    server = RuntimeApiServer(function_arn=ARN.format(name="raw"))
    server.start()
    yield server
    server.stop()
