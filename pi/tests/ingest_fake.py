"""The real ingest function behind a real HTTP server on 127.0.0.1, with an in-memory table.

Every answer that is not scripted comes from ``thermostat_ingest.app.IngestApp``: the same
validation, limits and reply bodies as the deployed function. HTTP is turned into the
Function URL's payload 2.0 event and back by the local data plane's own translation
(``lambda_dataplane.url_event``), so the fake adds no reply of its own. What tests script:
``script`` (replies for the next requests, which store nothing) and ``hold`` (requests
after the first ``hold_after`` wait until released, then are dropped unanswered).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lambda_dataplane.url_event import HttpRequest, HttpResponse, build_event, map_response
from thermostat.device_settings import DeviceSettings
from thermostat.items import DeviceReport, ReadingItem, SettingsItem
from thermostat_ingest.app import IngestApp
from thermostat_ingest.settings import IngestSettings
from thermostat_ingest.store import Conflict, PutOutcome

TABLE = "pi-tests"


class MemoryStore:
    """The ingest ReadingStore's interface (``put_new``, ``desired_settings``), in memory,
    with the same rules: a stored reading is never overwritten; an identical resend is
    stored, a different one a conflict."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], ReadingItem] = {}
        self.puts: list[ReadingItem] = []  # every put in order: a resend shows twice
        self.settings: dict[str, SettingsItem] = {}
        self.lock = threading.Lock()

    def put_new(self, readings: Sequence[ReadingItem]) -> PutOutcome:
        outcome = PutOutcome()
        with self.lock:
            for index, item in enumerate(readings):
                key = item.key()
                stored = self.items.get((key["pk"], key["sk"]))
                self.puts.append(item)
                if stored is None:
                    self.items[(key["pk"], key["sk"])] = item
                    outcome.stored.append(index)
                elif stored.reading == item.reading:
                    outcome.stored.append(index)
                else:
                    outcome.conflicts.append(Conflict(index, stored))
        return outcome

    def desired_settings(self, device_id: str) -> SettingsItem | None:
        with self.lock:
            return self.settings.get(device_id)


@dataclass
class Reply:
    """A scripted answer: ``body`` None sends an HTML page (like a captive portal)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # answer this late (after the client has given up)


class IngestServer:
    def __init__(self, **settings: Any) -> None:
        self.store = MemoryStore()
        self.app = self._app(settings)
        self.requests: list[dict[str, Any]] = []
        self.script: deque[Reply] = deque()
        self.hold: threading.Event | None = None
        self.hold_after = 0  # requests after this many are held while `hold` is set
        self.posts = 0
        self.arrived = threading.Event()
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self.connections: set[socket.socket] = set()
        self.lock = threading.Lock()

    def _app(self, settings: dict[str, Any]) -> IngestApp:
        # The Pi tests send thousands of readings a minute: no rate limit unless asked for.
        config = IngestSettings(table_name=TABLE, **{"device_readings_per_minute": 0, **settings})
        return IngestApp(config, self.store, logging.getLogger("fake-ingest"))  # type: ignore[arg-type]

    def configure(self, **settings: Any) -> None:
        """Run the function with other settings (``max_readings_per_request=30``)."""
        self.app = self._app(settings)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def stored(self) -> list[dict[str, Any]]:
        """Every reading stored, in the order stored, as the Pi sent it."""
        with self.store.lock:
            return [item.reading.to_wire() for item in self.store.puts]

    @property
    def reports(self) -> list[DeviceReport | None]:
        """What the device said about itself with each reading stored, as the function read it."""
        with self.store.lock:
            return [item.report for item in self.store.puts]

    def desire(self, device_id: str, **fields: Any) -> DeviceSettings:
        """The owner changes the device's settings (``thermostat set``): the next version."""
        with self.store.lock:
            current = self.store.settings.get(device_id)
            version = current.settings.version + 1 if current else 1
            settings = DeviceSettings(version=version, **fields)
            self.store.settings[device_id] = SettingsItem(device_id, settings, datetime.now(UTC))
        return settings

    def start(self) -> None:
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def stop(self) -> None:
        """Close the listening socket and every open connection: an outage."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self.lock:
            for connection in self.connections:
                with suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self.connections.clear()

    def answer(self, request: HttpRequest) -> HttpResponse:
        try:
            body = json.loads(request.body)
        except ValueError:
            body = None
        headers = dict(request.headers)
        with self.lock:
            self.requests.append({"body": body, "raw": request.body, "headers": headers})
            scripted = self.script.popleft() if self.script else None
        if scripted is not None:
            return _scripted(scripted)
        request_id = str(uuid.uuid4())
        event = build_event(
            request,
            request_id=request_id,
            account_id="123456789012",
            now=datetime.now(UTC),
            authorizer_iam=None,
        )
        return map_response(json.dumps(self.app.handle(event, request_id)).encode())


def _scripted(reply: Reply) -> HttpResponse:
    if reply.delay_s:
        time.sleep(reply.delay_s)
    if reply.body is None:
        payload, media_type = b"<html>Sign in to the Wi-Fi</html>", "text/html"
    else:
        payload, media_type = json.dumps(reply.body).encode(), "application/json"
    headers = [*reply.headers.items(), ("Content-Type", media_type)]
    return HttpResponse(reply.status, headers, payload)


def _handler(owner: IngestServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a Function URL does

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def setup(self) -> None:
            super().setup()
            with owner.lock:
                owner.connections.add(self.connection)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with owner.lock:
                owner.posts += 1
                number = owner.posts
            if owner.hold is not None and number > owner.hold_after:
                owner.arrived.set()
                owner.hold.wait(10)
                self.close_connection = True
                return  # the client died waiting: drop the connection, store nothing
            request = HttpRequest(
                method="POST",
                raw_target=self.path,
                headers=list(self.headers.items()),
                body=body,
                source_ip=self.client_address[0],
            )
            response = owner.answer(request)
            try:
                self.send_response(response.status)
                for name, value in response.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)
            except OSError:
                pass  # the client timed out and left

    return Handler
