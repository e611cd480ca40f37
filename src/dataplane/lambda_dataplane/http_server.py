"""An HTTP/1.1 server: h11 does the framing (RFC 9112), this module the sockets and deadlines.

Why h11 (https://h11.readthedocs.io): it parses strictly (a chunk size is 1-20 hex digits,
`chunked` is the only transfer coding, conflicting Content-Length values are refused, the
header block is capped) and leaves every socket read to us, so each has a deadline: the
headers, the body, the idle keep-alive wait. uvicorn or hypercorn would bring an event loop
and an ASGI layer for a server whose handler blocks on one function at a time anyway; the
stdlib's http.server has no deadlines and hand-written body framing. One thread per
connection, capped: a connection over the cap gets 503 and is closed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import socket
import threading
from dataclasses import dataclass

from lambda_dataplane.config import MAX_REQUEST_BYTES
from lambda_dataplane.errors import PortInUseError
from lambda_dataplane.http_connection import (
    Connection,
    ErrorResponse,
    Handler,
    json_message,
    refusal_bytes,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HttpLimits:
    """Deadlines (seconds) and sizes; every one is enforced per connection."""

    header_timeout: float = 10.0  # first byte of a request to the end of its header block
    body_timeout: float = 60.0  # end of the headers to the end of the body (6 MB at 100 KB/s)
    idle_timeout: float = 60.0  # keep-alive wait for the next request (ALB's default)
    write_timeout: float = 30.0  # a client that stops reading the response
    max_connections: int = 64
    max_header_bytes: int = 16 * 1024
    max_body_bytes: int = MAX_REQUEST_BYTES
    linger_timeout: float = 2.0  # reading what a refused client still sends, so it sees the answer


class HttpServer:
    """Serves `handler` on host:port (0: a free port) from :meth:`start` to :meth:`stop`."""

    def __init__(
        self,
        handler: Handler,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: HttpLimits | None = None,
        error_response: ErrorResponse = json_message,
        server_header: str = "lambda-dataplane",
    ) -> None:
        self.handler, self.limits = handler, limits or HttpLimits()
        self.error_response, self.server_header = error_response, server_header
        try:
            self._listener = socket.create_server((host, port), backlog=128)
        except OSError as err:
            raise PortInUseError(f"cannot listen on {host}:{port}: {err.strerror}") from err
        host, port = self._listener.getsockname()[:2]
        self._address = (str(host), int(port))  # still known after stop() closed the socket
        # Readable once stop() begins: wakes the accept loop and every idle keep-alive wait.
        self._wake_r, self._wake_w = os.pipe()
        self.stopping = False
        self._connections: set[Connection] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    @property
    def server_address(self) -> tuple[str, int]:
        return self._address

    @property
    def wake_fd(self) -> int:
        return self._wake_r

    def start(self) -> None:
        self._thread.start()

    def active_connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def stop(self, grace: float = 30.0) -> None:
        """Stop accepting at once; let requests in flight finish (up to `grace` seconds) with
        `Connection: close`; close idle connections; then release the port."""
        if self.stopping:
            return
        self.stopping = True
        os.write(self._wake_w, b"x")
        if self._thread.is_alive():
            self._thread.join()
        self._listener.close()
        with self._idle:
            self._idle.wait_for(lambda: not self._connections, timeout=grace)
            left = list(self._connections)
        for connection in left:  # past the grace period: cut them off
            connection.abort()
        with self._idle:
            self._idle.wait_for(lambda: not self._connections, timeout=5.0)
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while not self.stopping:
                ready = {key.fileobj for key, _ in selector.select()}
                if self._wake_r in ready:
                    return
                try:
                    sock, address = self._listener.accept()
                except OSError:
                    continue  # the client gave up between select and accept
                self._admit(sock, str(address[0]))

    def _admit(self, sock: socket.socket, source_ip: str) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = Connection(self, sock, source_ip)
        with self._lock:
            full = len(self._connections) >= self.limits.max_connections
            if not full:
                self._connections.add(connection)
        if full:
            # Answered without a thread of its own (the point of the cap), best effort.
            log.warning("connection from %s refused: %d open", source_ip, len(self._connections))
            sock.setblocking(False)
            with contextlib.suppress(OSError):
                sock.send(refusal_bytes(self.error_response(503)))
            sock.close()
            return
        threading.Thread(target=self._run, args=(connection,), daemon=True).start()

    def _run(self, connection: Connection) -> None:
        try:
            connection.serve()
        finally:
            with self._idle:
                self._connections.discard(connection)
                self._idle.notify_all()
