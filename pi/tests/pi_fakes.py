"""Fakes for the Pi client tests: a fake 1-wire tree, a scripted sensor, a local ingest server."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from gpiozero.pins.mock import MockFactory

from thermostat.contract import Reading, ReadingError, parse_reading
from thermostat_pi.errors import SensorError

PIN = 17
W1_OK = "{raw} 4b 46 7f ff 0e 10 57 : crc=57 {crc}\n{raw} 4b 46 7f ff 0e 10 57 t={milli}\n"


def w1_slave_text(celsius: float, *, crc: str = "YES") -> str:
    """The w1_slave file the kernel writes for a DS18B20 at ``celsius``."""
    count = round(celsius * 16) & 0xFFFF
    raw = f"{count & 0xFF:02x} {count >> 8:02x}"
    return W1_OK.format(raw=raw, crc=crc, milli=round(celsius * 1000))


def write_sensor(base: Path, serial: str, text: str) -> Path:
    device = base / f"28-{serial}"
    device.mkdir(parents=True, exist_ok=True)
    (device / "w1_slave").write_text(text)
    return device / "w1_slave"


class ScriptedSensor:
    """Returns the temperature the test sets, or raises when told to fail."""

    def __init__(self, celsius: float) -> None:
        self.celsius = celsius
        self.failing = False

    def read_celsius(self) -> float:
        if self.failing:
            raise SensorError("sensor stopped answering")
        return self.celsius


def pin_high(factory: MockFactory, pin: int = PIN) -> bool:
    return bool(factory.pin(pin).state)


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_readings(count: int, *, device_id: str = "pi-test") -> list[Reading]:
    """``count`` distinct readings a second apart, ending now."""
    start = datetime.now(UTC) - timedelta(seconds=count + 60)
    return [
        Reading(
            device_id=device_id,
            recorded_at=start + timedelta(seconds=i),
            temperature_c=round(15 + (i % 100) / 10, 3),
            setpoint_c=20.0,
            heating=i % 2 == 0,
        )
        for i in range(count)
    ]


@dataclass
class Reply:
    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # answer this late (after the client has given up)


class IngestServer:
    """A real HTTP server on 127.0.0.1 that follows the ingest contract.

    By default it validates each reading with the shared contract and stores it (answers
    200); ``script`` holds replies for the next requests, which store nothing; ``reject``
    answers 422 for the readings it matches; ``hold`` blocks requests after the first
    ``hold_after`` until released, then drops them unanswered (nothing stored).
    """

    def __init__(self) -> None:
        self.stored: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.script: deque[Reply] = deque()
        self.reject: Any = None
        self.max_batch = 500
        self.hold: threading.Event | None = None
        self.hold_after = 0  # requests after this many are held while `hold` is set
        self.posts = 0
        self.arrived = threading.Event()
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Close the listening socket: clients now get connection refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def answer(self, body: bytes, headers: dict[str, str]) -> Reply:
        request = {"body": json.loads(body), "raw": body, "headers": headers}
        with self.lock:
            self.requests.append(request)
            if self.script:
                return self.script.popleft()
        readings = request["body"]["readings"]
        if len(readings) > self.max_batch:
            return Reply(413, {"error": "too_many_readings", "message": "max"})
        problems = []
        for index, item in enumerate(readings):
            try:
                parse_reading(item)
            except ReadingError as err:
                problems.append({"index": index, "errors": err.errors})
                continue
            if self.reject and self.reject(item):
                problems.append({"index": index, "errors": [{"loc": "x", "msg": "refused"}]})
        if problems:
            return Reply(422, {"error": "invalid_readings", "message": "bad", "items": problems})
        with self.lock:
            self.stored.extend(readings)
        return Reply(200, {"stored": len(readings)})


def _handler(owner: IngestServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with owner.lock:
                owner.posts += 1
                number = owner.posts
            if owner.hold is not None and number > owner.hold_after:
                owner.arrived.set()
                owner.hold.wait(10)
                return  # the client died waiting: drop the connection, store nothing
            reply = owner.answer(body, dict(self.headers))
            if reply.delay_s:
                time.sleep(reply.delay_s)
            if reply.body is None:  # like a captive portal's login page
                payload, media_type = b"<html>Sign in to the Wi-Fi</html>", "text/html"
            else:
                payload, media_type = json.dumps(reply.body).encode(), "application/json"
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", media_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client timed out and left

    return Handler
