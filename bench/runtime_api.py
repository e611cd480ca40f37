"""A minimal Lambda Runtime API that hands out one event and notes when each step happens.

Enough of https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html for
``python -m awslambdaric`` to initialize, take one event and answer it. Times are
``time.perf_counter()`` in this process, so they compare with the moment the child started.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/2018-06-01/runtime"
REQUEST_ID = "bench-0001"


@dataclass
class Timeline:
    first_next: float | None = None  # init finished: the runtime asks for work
    answered: float | None = None  # the response (or an error) arrived
    error: str | None = None
    response: Any = None
    done: threading.Event = field(default_factory=threading.Event)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the killed runtime's parked poll breaks its connection: expected


class OneEventRuntimeApi:
    """Serves ``event`` to the first ``next``; later ``next`` calls wait until shutdown."""

    def __init__(self, event: Any) -> None:
        self.event = json.dumps(event).encode()
        self.timeline = Timeline()
        self._closing = threading.Event()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                # awslambdaric 4.2.2 segfaults on invocation/next without a Content-Type.
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path != f"{PREFIX}/invocation/next":
                    self._reply(404, b"{}", {})
                    return
                if api.timeline.first_next is not None:
                    api._closing.wait()  # one event per process: park the second poll
                    self._reply(500, b"{}", {})
                    return
                api.timeline.first_next = time.perf_counter()
                deadline = str(int(time.time() * 1000) + 30_000)
                self._reply(
                    200,
                    api.event,
                    {
                        "Lambda-Runtime-Aws-Request-Id": REQUEST_ID,
                        "Lambda-Runtime-Deadline-Ms": deadline,
                        "Lambda-Runtime-Invoked-Function-Arn": (
                            "arn:aws:lambda:us-east-1:123456789012:function:bench"
                        ),
                        "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000",
                    },
                )

            def do_POST(self) -> None:
                now = time.perf_counter()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == f"{PREFIX}/invocation/{REQUEST_ID}/response":
                    api.timeline.response = json.loads(body or b"null")
                elif self.path.endswith("/error"):
                    api.timeline.error = body.decode(errors="replace")
                else:
                    self._reply(404, b"{}", {})
                    return
                api.timeline.answered = now
                self._reply(202, b"{}", {})
                api.timeline.done.set()

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.address = f"127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> OneEventRuntimeApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
