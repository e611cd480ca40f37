"""POST with an overall deadline and a cap on the reply's size.

``requests`` (urllib3) applies its timeout to each socket operation: a server that sends
one byte per second never trips it and holds the uploader forever, and a reply body is read
whole into memory (the unit caps the service at 128 MB). Neither library has an overall
deadline, so a timer shuts the request's socket down when it passes: urllib3's connection
classes are subclassed only to tell the timer which socket is in use (new or reused). The
body is streamed and given up past ``max_reply_bytes``.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from thermostat_pi.errors import TransportError

DEFAULT_DEADLINE_S = 30.0
DEFAULT_READ_TIMEOUT_S = 10.0
# The ingest function's replies are small: a 422 naming 500 readings is ~100 KB.
MAX_REPLY_BYTES = 1024 * 1024

_active = threading.local()  # the _Deadline of the request running on this thread


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]  # case-insensitive
    body: bytes


class _Deadline:
    def __init__(self) -> None:
        self.connection: HTTPConnection | None = None
        self.passed = False
        self._lock = threading.Lock()

    def use(self, connection: HTTPConnection) -> None:
        with self._lock:
            self.connection = connection
            if self.passed:
                raise TimeoutError("request deadline passed")

    def expire(self) -> None:
        with self._lock:
            self.passed = True
            sock = self.connection.sock if self.connection is not None else None
            if sock is not None:
                # The base class's shutdown: ssl.SSLSocket's own would drop its SSL object
                # under the reading thread. SHUT_RDWR wakes a recv() blocked in that thread.
                with suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _register(connection: HTTPConnection) -> None:
    deadline: _Deadline | None = getattr(_active, "deadline", None)
    if deadline is not None:
        deadline.use(connection)


class _GuardedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        _register(self)
        super().connect()

    def request(self, *args: Any, **kwargs: Any) -> None:
        _register(self)  # a reused connection does not connect again
        super().request(*args, **kwargs)


class _GuardedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        _register(self)
        super().connect()

    def request(self, *args: Any, **kwargs: Any) -> None:
        _register(self)
        super().request(*args, **kwargs)


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
        return manager


class BoundedSession:
    """One keep-alive session whose every POST ends within ``deadline_s``."""

    def __init__(
        self,
        *,
        deadline_s: float = DEFAULT_DEADLINE_S,
        read_timeout_s: float = DEFAULT_READ_TIMEOUT_S,
        max_reply_bytes: int = MAX_REPLY_BYTES,
    ) -> None:
        if deadline_s <= 0 or read_timeout_s <= 0 or max_reply_bytes < 1:
            raise ValueError("deadline, timeout and reply size must be positive")
        self.deadline_s = deadline_s
        self.read_timeout_s = min(read_timeout_s, deadline_s)
        self.max_reply_bytes = max_reply_bytes
        self._session = requests.Session()
        adapter = _GuardedAdapter()
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def post_json(self, url: str, body: bytes, auth: requests.auth.AuthBase | None) -> Reply:
        """The reply, or :class:`TransportError` (network, deadline, reply too large)."""
        deadline = _Deadline()
        timer = threading.Timer(self.deadline_s, deadline.expire)
        timer.daemon = True
        _active.deadline = deadline
        timer.start()
        late = f"no whole answer within {self.deadline_s:g} s"
        try:
            reply = self._post(url, body, auth)
        except TransportError:
            raise
        except (requests.RequestException, OSError) as err:
            if deadline.passed:
                raise TransportError(late) from err
            # requests wraps urllib3's MaxRetryError, whose reason says what happened.
            cause = getattr(err.args[0], "reason", None) if err.args else None
            raise TransportError(f"network error: {cause or err}") from err
        finally:
            timer.cancel()
            _active.deadline = None
            if deadline.passed:
                self._session.close()  # drop the shut-down connection from the pool
        # A socket shut down mid-headers reads as an early end, which http.client accepts
        # as a (truncated) reply: whatever came back after the deadline is not trusted.
        if deadline.passed:
            raise TransportError(late)
        return reply

    def _post(self, url: str, body: bytes, auth: requests.auth.AuthBase | None) -> Reply:
        response = self._session.post(
            url,
            data=body,
            headers={"Content-Type": "application/json", "Accept-Encoding": "identity"},
            auth=auth,
            timeout=self.read_timeout_s,
            # A redirect means a wrong URL: never re-POST readings to another host.
            allow_redirects=False,
            stream=True,
        )
        with response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_reply_bytes:
                raise TransportError(self._too_large(f"{int(declared):,} bytes"))
            chunks, size = [], 0
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > self.max_reply_bytes:
                    raise TransportError(self._too_large("more"))
                chunks.append(chunk)
            return Reply(response.status_code, response.headers, b"".join(chunks))

    def _too_large(self, size: str) -> str:
        return f"reply of {size} is larger than the {self.max_reply_bytes:,} bytes accepted"

    def close(self) -> None:
        self._session.close()
