"""Real processes for the dashboard's browser tests, screenshots and benchmark.

``thermostat-devstack`` (what ``make dev`` runs) on free ports with its own state folder,
``thermostat dashboard`` reading it, and Debian's Chromium driven by Playwright (never a
downloaded browser).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from devstack.moto import free_port
from lambda_dataplane import children
from thermostat.endpoints import Endpoints

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = Path(os.environ.get("THERMOSTAT_CHROMIUM", "/usr/bin/chromium"))
# As root in a sandbox with no internet: no sandboxing, no GPU, none of Chromium's own traffic.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class MissingBrowser(RuntimeError):
    """Debian's Chromium is not installed."""


def require_chromium(path: Path = CHROMIUM) -> Path:
    if not path.exists():
        raise MissingBrowser(
            f"the dashboard's browser tests need Debian's Chromium at {path}:"
            " apt-get install -y chromium (.ci/run installs it); THERMOSTAT_CHROMIUM points"
            " elsewhere"
        )
    return path


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.pop("THERMOSTAT_TABLE", None)
    return env


@dataclass
class Devstack:
    """A running ``make dev``: its folder (the dashboard runs there) and its endpoints."""

    folder: Path
    endpoints: Endpoints
    process: subprocess.Popen[bytes]

    def client(self) -> Any:
        import boto3

        e = self.endpoints
        return boto3.client(
            "dynamodb",
            endpoint_url=e.aws_endpoint_url,
            region_name=e.region,
            aws_access_key_id=e.access_key_id,
            aws_secret_access_key=e.secret_access_key,
        )

    def wait_for_reading(self, device: str, timeout: float = 60) -> None:
        """Until the table holds a reading of ``device`` (the simulated Pi is sending)."""
        from thermostat.items import READING_PREFIX, prefix_query

        client, deadline = self.client(), time.monotonic() + timeout
        while True:
            page = client.query(
                TableName=self.endpoints.table_name,
                Limit=1,
                **prefix_query(device, READING_PREFIX),
            )
            if page.get("Items"):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"no reading of {device} after {timeout} s: see devstack.log")
            time.sleep(0.2)

    def seed_demo(self, device: str, day: date, *, seed: int = 1) -> None:
        """``thermostat-devstack seed-demo``: a simulated day of one device, as stored."""
        argv = [str(BIN / "thermostat-devstack"), "seed-demo", "--day", day.isoformat()]
        argv += ["--device", device, "--seed", str(seed)]
        subprocess.run(argv, cwd=self.folder, env=_clean_env(), check=True, capture_output=True)


@contextlib.contextmanager
def running_devstack(folder: Path, *, pi_interval: float | None = 1.0) -> Iterator[Devstack]:
    """``thermostat-devstack`` in ``folder/.devstack``, with the simulated Pi unless None."""
    state = folder / ".devstack"
    argv = [str(BIN / "thermostat-devstack"), "--port", str(free_port())]
    argv += ["--url-port", str(free_port())]
    argv += ["--state-dir", str(state), "--stack-name", f"dash-{uuid.uuid4().hex[:6]}"]
    argv += ["--no-pi"] if pi_interval is None else ["--interval", str(pi_interval)]
    log = (folder / "devstack.log").open("wb")
    process = subprocess.Popen(
        argv, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=_clean_env()
    )
    try:
        deadline = time.monotonic() + 120
        while not (state / "endpoints.json").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"make dev did not start: see {folder / 'devstack.log'}")
            time.sleep(0.1)
        yield Devstack(folder, Endpoints.read(state / "endpoints.json"), process)
    finally:
        children.stop(process, sig=signal.SIGINT, grace=20)
        log.close()


@dataclass
class Dashboard:
    url: str
    process: subprocess.Popen[str]


@contextlib.contextmanager
def running_dashboard(
    folder: Path, *extra: str, env: dict[str, str] | None = None, stderr: int = subprocess.DEVNULL
) -> Iterator[Dashboard]:
    """``thermostat dashboard --port 0`` run in ``folder`` (where it finds .devstack), no AWS
    settings of this machine's but ``env``; its stderr to ``stderr`` (subprocess.PIPE to read
    it); interrupted (Ctrl-C) and reaped afterwards unless it has already exited."""
    argv = [str(BIN / "thermostat"), "dashboard", "--port", "0", *extra]
    process = subprocess.Popen(
        argv,
        cwd=folder,
        env={**_clean_env(), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"thermostat dashboard did not start (printed {url!r})")
        yield Dashboard(url, process)
    finally:
        children.stop(process, sig=signal.SIGINT, grace=20)


@contextlib.contextmanager
def chromium(args: Sequence[str] = ()) -> Iterator[Any]:
    """Debian's Chromium under Playwright, with a fresh profile."""
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable), args=[*CHROMIUM_ARGS, *args]
        )
        try:
            yield browser
        finally:
            browser.close()
