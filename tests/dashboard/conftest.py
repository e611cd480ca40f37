"""The dashboard's server in this process (uvicorn on a free port) against moto_server."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import uvicorn

from thermostat_cli.dashboard.api import Api, Settings
from thermostat_cli.dashboard.app import create_app
from thermostat_cli.dashboard.command import bind
from thermostat_cli.dashboard.source import TableSource

# The day tests/cli/helpers.stored_day simulates is 2025-12-01; "now" is the next midnight.
NOW = datetime(2025, 12, 2, tzinfo=UTC)


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class Server:
    url: str

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        return self.request("GET", path, headers=headers)

    def request(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, data: bytes = b""
    ) -> Answer:
        request = urllib.request.Request(
            self.url + path, method=method, headers=headers or {}, data=data or None
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw, status, got = response.read(), response.status, response.headers
        except urllib.error.HTTPError as err:
            raw, status, got = err.read(), err.code, err.headers
        kind = got.get("content-type", "")
        body = json.loads(raw) if kind.startswith("application/json") else raw.decode()
        return Answer(status, body, {k.lower(): v for k, v in got.items()})


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    """Start the app around a TableSource; stopped when the test ends."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(source: TableSource, *, now: datetime = NOW) -> Server:
        settings = Settings(silent_after=timedelta(minutes=15), refresh_seconds=5, tz=UTC)
        app = create_app(Api(source, settings, clock=lambda: now))
        sock = bind(0)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        running.append((server, thread))
        return Server(f"http://127.0.0.1:{sock.getsockname()[1]}")

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(10)
