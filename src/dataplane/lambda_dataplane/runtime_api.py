"""The Lambda Runtime API (2018-06-01) served to one execution environment instance.

Contract: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html. Each environment
instance gets its own server, so a killed environment's lingering long-poll can never take
the next environment's event.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lambda_dataplane.config import MAX_RESPONSE_BYTES
from lambda_dataplane.environment_slot import EnvironmentSlot
from lambda_dataplane.errors import MalformedBodyError
from lambda_dataplane.httpbody import read_body
from lambda_dataplane.invocation import error_payload

log = logging.getLogger(__name__)

_PREFIX = "/2018-06-01/runtime"
_INVOCATION_ROUTE = re.compile(rf"^{_PREFIX}/invocation/([^/]+)/(response|error)$")
_ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"


class RuntimeApiServer(EnvironmentSlot):
    """Runtime API for one environment instance; FunctionRuntime submits events to it."""

    def __init__(self, *, function_arn: str, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(function_arn=function_arn)
        self._httpd = _Server((host, port), _Handler)
        self._httpd.api = self  # type: ignore[attr-defined]
        # A short poll interval keeps stop() (on every timeout or crash) quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def address(self) -> str:
        """host:port, the value of AWS_LAMBDA_RUNTIME_API."""
        host, port = self._httpd.server_address[:2]
        return f"{host!s}:{port}"

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Wake long-polls, stop serving, release the port."""
        self.close()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _error_document(body: bytes, error_type_header: str | None) -> bytes:
    """The runtime's error JSON, or one built from the error-type header (as Lambda does)."""
    try:
        doc = json.loads(body) if body else None
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        return body
    return error_payload(
        error_type_header or "Runtime.Unknown", "Unknown application error occurred"
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A killed environment leaves broken connections behind: expected, not worth a traceback.
        log.debug("runtime api connection from %s failed", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, Nagle + delayed ACK add ~40 ms.
    disable_nagle_algorithm = True
    server_version = "lambda-dataplane-runtime-api"

    @property
    def api(self) -> RuntimeApiServer:
        return self.server.api  # type: ignore[attr-defined, no-any-return]

    def log_message(self, format: str, *args: object) -> None:
        log.debug("runtime api %s: " + format, self.api.function_arn, *args)

    def _send_json(self, status: HTTPStatus, doc: dict[str, str], *, close: bool = False) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if close or self.close_connection:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: HTTPStatus, error_type: str, message: str) -> None:
        self._send_json(status, {"errorType": error_type, "errorMessage": message})

    def do_GET(self) -> None:
        if self.path != f"{_PREFIX}/invocation/next":
            self._error(HTTPStatus.NOT_FOUND, "NotFound", f"No route for GET {self.path}")
            return
        if self.api.busy():
            self._error(HTTPStatus.FORBIDDEN, "InvalidStateTransition", "Invocation in progress")
            return
        inv = self.api.next_invocation(self._peer_connected)
        if inv is None:
            # The OpenAPI spec's 500: non-recoverable state, the runtime should exit.
            self._send_json(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                {"errorType": "Runtime.Stopping", "errorMessage": "Environment is shutting down"},
                close=True,
            )
            return
        self.send_response(HTTPStatus.OK)
        # awslambdaric 4.2.2 segfaults on a next response without Content-Type: always send it.
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(inv.payload)))
        self.send_header("Lambda-Runtime-Aws-Request-Id", inv.request_id)
        self.send_header("Lambda-Runtime-Deadline-Ms", str(inv.deadline_ms))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", self.api.function_arn)
        self.send_header("Lambda-Runtime-Trace-Id", inv.trace_id)
        self.end_headers()
        self.wfile.write(inv.payload)

    def do_POST(self) -> None:
        route = _INVOCATION_ROUTE.match(self.path)
        if route is None and self.path != f"{_PREFIX}/init/error":
            self.close_connection = True  # body left unread: do not parse it as a request
            self._error(HTTPStatus.NOT_FOUND, "NotFound", f"No route for POST {self.path}")
            return
        try:
            body = read_body(self.headers, self.rfile, MAX_RESPONSE_BYTES)
        except MalformedBodyError as err:
            self.close_connection = True
            self._error(HTTPStatus.BAD_REQUEST, "InvalidRequest", str(err))
            return
        error_type = self.headers.get(_ERROR_TYPE_HEADER)
        if route is None:
            doc = _error_document(body or b"", error_type)
            self._reply(self.api.record_init_error(doc))
            return
        request_id, kind = route.groups()
        if body is None:
            size_error = error_payload(
                "Function.ResponseSizeTooLarge",
                f"Response payload size exceeded maximum allowed payload size "
                f"({MAX_RESPONSE_BYTES} bytes).",
            )
            status = self.api.finish(request_id, size_error, "Unhandled", recycle=True)
            if status is HTTPStatus.ACCEPTED:
                status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
            self._reply(status)
            return
        if kind == "response":
            self._reply(self.api.finish(request_id, body, None))
        else:
            self._reply(self.api.finish(request_id, _error_document(body, error_type), "Unhandled"))

    def _peer_connected(self) -> bool:
        """False if the runtime's end of the connection is closed (its process died)."""
        try:
            data: bytes = self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return True  # open, nothing sent: a runtime waiting for its event
        except OSError:
            return False
        return data != b""

    def _reply(self, status: HTTPStatus) -> None:
        if status is HTTPStatus.ACCEPTED:
            self._send_json(status, {"status": "OK"})
        elif status is HTTPStatus.BAD_REQUEST:
            self._error(status, "InvalidRequestID", "Invalid request ID")
        elif status is HTTPStatus.REQUEST_ENTITY_TOO_LARGE:
            self._error(status, "RequestEntityTooLarge", "Payload exceeds the 6 MB limit")
        else:
            self._error(status, "InvalidStateTransition", "State transition is not allowed")
