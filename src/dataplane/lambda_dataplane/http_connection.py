"""One HTTP/1.1 connection: h11's parser fed from a socket, every read under a deadline.

Framing follows RFC 9112 (https://www.rfc-editor.org/rfc/rfc9112): h11 refuses malformed
request lines, headers and chunk sizes and any transfer coding but `chunked` (501, as
section 6.1 says); on top of it a request with both Content-Length and Transfer-Encoding is
refused (section 6.1 allows it, and it is the request-smuggling shape), as is
Transfer-Encoding in HTTP/1.0 (section 6.1: faulty framing). A refused request gets its
status and the connection is closed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import selectors
import socket
import time
from collections.abc import Callable
from email.utils import formatdate
from http import HTTPStatus
from typing import TYPE_CHECKING

import h11

from lambda_dataplane.url_event import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from lambda_dataplane.http_server import HttpServer

log = logging.getLogger(__name__)
Handler = Callable[[HttpRequest], HttpResponse]
ErrorResponse = Callable[[int], HttpResponse]
# Framing is the transport's to write, whatever a handler returns.
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})
_READ = 64 * 1024


def json_message(status: int) -> HttpResponse:
    """AWS's bare error answer: {"Message": "<reason phrase>"}."""
    body = json.dumps({"Message": HTTPStatus(status).phrase}).encode()
    return HttpResponse(status, [("Content-Type", "application/json")], body)


def refusal_bytes(response: HttpResponse) -> bytes:
    """A complete response with `Connection: close`, for a connection that is not served."""
    head = [f"HTTP/1.1 {response.status} {HTTPStatus(response.status).phrase}"]
    head += [f"{name}: {value}" for name, value in response.headers]
    head += [f"Content-Length: {len(response.body)}", "Connection: close", "", ""]
    return "\r\n".join(head).encode("latin-1") + response.body


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class Connection:
    """Serves requests on one accepted socket until either side closes or a deadline passes."""

    def __init__(self, server: HttpServer, sock: socket.socket, source_ip: str) -> None:
        self._server, self._sock, self.source_ip = server, sock, source_ip
        self._limits = server.limits
        self._h11 = h11.Connection(
            h11.SERVER, max_incomplete_event_size=self._limits.max_header_bytes
        )
        self._method = b""

    def serve(self) -> None:
        linger = False
        try:
            while self._serve_one():
                self._h11.start_next_cycle()
        except h11.RemoteProtocolError as err:
            linger = self._fail(err.error_status_hint, str(err))
        except _Refused as err:
            linger = self._fail(err.status, str(err))
        except TimeoutError:
            # Part of a request came and the rest did not: 408, as RFC 9110 section 15.5.9 says.
            linger = self._fail(HTTPStatus.REQUEST_TIMEOUT, "request not received in time")
        except OSError as err:
            log.debug("connection from %s: %s", self.source_ip, err)
        finally:
            self._close(linger)

    def abort(self) -> None:
        """Cut the connection now (wakes a thread blocked on it)."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def _serve_one(self) -> bool:
        if not self._wait_for_request():
            return False
        event = self._next_event(time.monotonic() + self._limits.header_timeout)
        if isinstance(event, h11.ConnectionClosed):
            return False
        assert isinstance(event, h11.Request)
        self._method = event.method
        self._check_framing(event)
        body = self._read_body()
        request = HttpRequest(
            method=event.method.decode("ascii"),
            raw_target=event.target.decode("ascii"),
            headers=[
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in event.headers.raw_items()
            ],
            body=body,
            source_ip=self.source_ip,
            protocol=f"HTTP/{event.http_version.decode('ascii')}",
        )
        try:
            response = self._server.handler(request)
        except Exception:
            log.exception("request from %s failed in the handler", self.source_ip)
            response = self._server.error_response(HTTPStatus.INTERNAL_SERVER_ERROR)
        self._send(response, close=self._server.stopping)
        return self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE

    def _wait_for_request(self) -> bool:
        """Idle keep-alive: True once bytes (or EOF) arrive; False on idle timeout or stop."""
        if self._h11.trailing_data[0]:
            return True  # a pipelined request is already buffered
        with selectors.DefaultSelector() as selector:
            selector.register(self._sock, selectors.EVENT_READ)
            selector.register(self._server.wake_fd, selectors.EVENT_READ)
            ready = selector.select(self._limits.idle_timeout)
        return any(key.fileobj is self._sock for key, _ in ready)

    def _next_event(self, deadline: float) -> object:
        while True:
            event = self._h11.next_event()
            if event is not h11.NEED_DATA:
                return event
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            self._sock.settimeout(remaining)
            self._h11.receive_data(self._sock.recv(_READ))

    def _check_framing(self, request: h11.Request) -> None:
        # h11's own cap applies to a header block still incomplete in its buffer; one that
        # arrived whole in a single read is measured here.
        size = len(request.target) + sum(len(k) + len(v) + 4 for k, v in request.headers)
        if size > self._limits.max_header_bytes:
            raise _Refused(431, f"header block of {size} bytes")
        names = {name for name, _ in request.headers}
        if b"transfer-encoding" in names:
            if b"content-length" in names:
                raise _Refused(400, "both Content-Length and Transfer-Encoding")
            if request.http_version == b"1.0":
                raise _Refused(400, "Transfer-Encoding in an HTTP/1.0 request")
        for name, value in request.headers:
            if name == b"content-length" and int(value) > self._limits.max_body_bytes:
                raise _Refused(413, f"Content-Length {int(value)} over the limit")

    def _read_body(self) -> bytes:
        if self._h11.client_is_waiting_for_100_continue:
            self._write(self._h11.send(h11.InformationalResponse(status_code=100, headers=[])))
        deadline = time.monotonic() + self._limits.body_timeout
        parts: list[bytes] = []
        total = 0
        while True:
            event = self._next_event(deadline)
            if isinstance(event, h11.Data):
                total += len(event.data)
                if total > self._limits.max_body_bytes:
                    raise _Refused(413, "chunked body over the limit")
                parts.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return b"".join(parts)
            else:  # ConnectionClosed mid-body: h11 raises for that, so this is unreachable
                raise _Refused(400, f"unexpected {event!r} in the body")

    def _send(self, response: HttpResponse, *, close: bool) -> None:
        bodyless = self._method == b"HEAD" or response.status in (204, 304)
        headers = [(k, v) for k, v in response.headers if k.lower() not in _FRAMING]
        headers += [("Date", formatdate(usegmt=True)), ("Server", self._server.server_header)]
        if response.status not in (204, 304):
            headers.append(("Content-Length", str(len(response.body))))
        if close:
            headers.append(("Connection", "close"))
        try:
            head = h11.Response(
                status_code=response.status,
                headers=headers,
                reason=HTTPStatus(response.status).phrase.encode(),
            )
        except (h11.LocalProtocolError, ValueError) as err:
            # A status or header the handler returned that HTTP/1.1 cannot carry.
            log.warning("unusable response for %s: %s", self.source_ip, err)
            self._send(self._server.error_response(HTTPStatus.BAD_GATEWAY), close=close)
            return
        data = self._h11.send(head) or b""
        if response.body and not bodyless:
            data += self._h11.send(h11.Data(data=response.body)) or b""
        self._write(data + (self._h11.send(h11.EndOfMessage()) or b""))

    def _write(self, data: bytes) -> None:
        self._sock.settimeout(self._limits.write_timeout)
        self._sock.sendall(data)

    def _fail(self, status: int, reason: str) -> bool:
        """Answer `status` if HTTP still allows an answer; True if request bytes may be unread."""
        log.info("connection from %s: %d (%s)", self.source_ip, status, reason)
        if self._h11.our_state in (h11.IDLE, h11.SEND_RESPONSE):
            try:
                self._send(self._server.error_response(status), close=True)
            except (OSError, h11.LocalProtocolError):
                return False
        return True

    def _close(self, linger: bool) -> None:
        """Close; after a refusal first read (and drop) what the client is still sending, for
        a bounded time and size, so its kernel does not turn our answer into a reset."""
        try:
            if linger:
                self._sock.shutdown(socket.SHUT_WR)
                deadline = time.monotonic() + self._limits.linger_timeout
                budget = self._limits.max_body_bytes
                while budget > 0 and (remaining := deadline - time.monotonic()) > 0:
                    self._sock.settimeout(remaining)
                    data = self._sock.recv(_READ)
                    if not data:
                        break
                    budget -= len(data)
        except OSError:
            pass
        finally:
            self._sock.close()
