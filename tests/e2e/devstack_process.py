"""``thermostat-devstack`` as a subprocess, driven like a person would: its output, its files."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from requests_aws4auth import AWS4Auth

from devstack.moto import free_port
from lambda_dataplane import children
from tests.e2e.e2e_support import REPO
from tests.support.waiting import wait_for
from thermostat.items import device_query

DEVSTACK = str(Path(sys.executable).with_name("thermostat-devstack"))


@dataclass(frozen=True)
class Setup:
    """What two starts of the same make dev share: the directory, ports and stack name."""

    state_dir: Path
    port: int = field(default_factory=free_port)
    url_port: int = field(default_factory=free_port)
    stack_name: str = field(default_factory=lambda: f"devstack-{uuid.uuid4().hex[:6]}")


class Devstack:
    """The running command, its output lines, and what it wrote."""

    def __init__(self, setup: Setup, *extra: str) -> None:
        self.setup = setup
        self.port, self.stack_name, self.state_dir = setup.port, setup.stack_name, setup.state_dir
        argv = [DEVSTACK, *extra, "--port", str(setup.port)]
        if "--url-port" not in extra:  # never the fixed default: other tests run alongside
            argv += ["--url-port", str(setup.url_port)]
        argv += ["--state-dir", str(setup.state_dir), "--stack-name", setup.stack_name]
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    @property
    def endpoints_file(self) -> Path:
        return self.state_dir / "endpoints.json"

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def next_line(self, containing: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            self.output.append(line)
            if containing in line:
                return line
        raise AssertionError(f"no line with {containing!r} in {self.output}")

    def seen(self, containing: str) -> str:
        """The first line already read that contains `containing`."""
        return next(line for line in self.output if containing in line)

    def finish(self, timeout: float = 30) -> tuple[int, str]:
        """Wait for it to exit: its exit code and all its output."""
        code = self.process.wait(timeout)
        time.sleep(0.1)  # let the reader thread take the last lines
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return code, "\n".join(self.output)

    def ready(self, timeout: float = 60) -> dict[str, Any]:
        """endpoints.json once make dev wrote it (it is written whole, then printed)."""
        self.next_line("Simulated Pi:", timeout=timeout)
        return dict(json.loads(self.endpoints_file.read_text()))

    def interrupt(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        return self.finish()


@pytest.fixture
def start_devstack(tmp_path: Path) -> Iterator[Callable[..., Devstack]]:
    """Start thermostat-devstack (a Setup, then arguments); interrupt and reap it afterwards."""
    started: list[Devstack] = []

    def start(*extra: str, setup: Setup | None = None) -> Devstack:
        started.append(Devstack(setup or Setup(tmp_path / ".devstack"), *extra))
        return started[-1]

    yield start
    for running in started:
        children.stop(running.process, sig=signal.SIGINT, grace=30)


def aws_client(endpoints: dict[str, Any], service: str, **options: Any) -> Any:
    """A boto3 client for make dev's AWS endpoint, with the keys endpoints.json gives (options:
    more client arguments, e.g. ``config``)."""
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoints["aws_endpoint_url"],
        region_name=endpoints["region"],
        aws_access_key_id=endpoints["access_key_id"],
        aws_secret_access_key=endpoints["secret_access_key"],
        **options,
    )


def post_reading(endpoints: dict[str, Any], reading: dict[str, Any]) -> requests.Response:
    """A SigV4-signed POST of one reading to make dev's Function URL."""
    auth = AWS4Auth(
        endpoints["access_key_id"], endpoints["secret_access_key"], endpoints["region"], "lambda"
    )
    return requests.post(endpoints["ingest_url"], json=reading, auth=auth, timeout=30)


def table_items(endpoints: dict[str, Any], device: str) -> list[dict[str, Any]]:
    """Every item of one device (readings, rollups, status), as the low-level client gives."""
    answer = aws_client(endpoints, "dynamodb").query(
        TableName=endpoints["table_name"], **device_query(device)
    )
    return list(answer["Items"])


def wait_for_items(endpoints: dict[str, Any], device: str, count: int) -> list[dict[str, Any]]:
    return wait_for(
        lambda: (i := table_items(endpoints, device)) and len(i) >= count and i, timeout=30
    )
