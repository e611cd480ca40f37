"""Real servers on 127.0.0.1 that never finish answering: a trickle, and an endless body."""

from __future__ import annotations

import socket
import threading
import time

HEADERS_200 = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"


class HostileServer:
    """Reads each request, then sends ``head`` and ``chunk`` forever, every ``gap_s``.

    It stops when the client closes the connection (``client_left`` is set) or after
    ``give_up_s`` (so a client without a deadline fails its test instead of hanging it).
    """

    def __init__(self, head: bytes, chunk: bytes, *, gap_s: float, give_up_s: float = 60) -> None:
        self.head, self.chunk, self.gap_s, self.give_up_s = head, chunk, gap_s, give_up_s
        self.sent = 0
        self.client_left = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/"
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self._listener.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(body) < length:
            body += conn.recv(65536)

    def _answer(self, conn: socket.socket) -> None:
        give_up = time.monotonic() + self.give_up_s
        with conn:
            try:
                self._read_request(conn)
                for byte in self.head:
                    self._send(conn, bytes([byte]))
                while time.monotonic() < give_up:
                    self._send(conn, self.chunk)
            except OSError:
                self.client_left.set()

    def _send(self, conn: socket.socket, data: bytes) -> None:
        conn.sendall(data)
        self.sent += len(data)
        if self.gap_s:
            time.sleep(self.gap_s)


def trickle_server(gap_s: float = 0.05) -> HostileServer:
    """A status line and headers one byte at a time, never done: each read gets a byte."""
    return HostileServer(HEADERS_200, b" ", gap_s=gap_s)


def slow_body_server(gap_s: float = 0.05) -> HostileServer:
    """Prompt headers, then a chunked body one byte at a time."""
    return HostileServer(
        HEADERS_200 + b"Transfer-Encoding: chunked\r\n\r\n", b"1\r\n \r\n", gap_s=gap_s
    )


def endless_body_server(*, content_length: int | None = None) -> HostileServer:
    """Prompt headers, then JSON whitespace as fast as the client takes it, without end."""
    if content_length is None:
        head = HEADERS_200 + b"Transfer-Encoding: chunked\r\n\r\n"
        chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
    else:
        head = HEADERS_200 + f"Content-Length: {content_length}\r\n\r\n".encode()
        chunk = b" " * 0x10000
    return HostileServer(head, chunk, gap_s=0)
