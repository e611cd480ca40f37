"""The Function URL's HTTP transport under hostile and unlucky clients: raw sockets, real server.

Framing per RFC 9112 (h11), deadlines, the connection cap and graceful stop. The function is
an in-process invoker here: what is tested is what happens before and after it runs.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from lambda_dataplane import InvocationResult
from lambda_dataplane.errors import PortInUseError
from lambda_dataplane.function_url import FunctionUrlServer
from lambda_dataplane.http_server import HttpLimits
from lambda_dataplane.sigv4 import Credential

KEY, SECRET, REGION = "AKIDLOCALDEV", "local-dev-secret", "us-east-1"
SHORT = HttpLimits(
    header_timeout=0.3, body_timeout=0.3, idle_timeout=0.3, max_connections=3, max_body_bytes=1000
)


class Echo:
    """An invoker that answers 200 with the body length; it can hold a call until released."""

    def __init__(self) -> None:
        self.calls = 0
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def invoke(self, payload: bytes, *, timeout: float | None = None) -> InvocationResult:
        self.calls += 1
        self.entered.set()
        self.release.wait(10)
        body = json.loads(payload).get("body", "")
        result = {"statusCode": 200, "body": json.dumps({"length": len(body)})}
        return InvocationResult("id", json.dumps(result).encode(), None, 1.0)


class Broken:
    def invoke(self, payload: bytes, *, timeout: float | None = None) -> InvocationResult:
        raise RuntimeError("a bug in the invoker")


@pytest.fixture
def echo() -> Echo:
    return Echo()


@pytest.fixture
def serve() -> Iterator[Callable[..., FunctionUrlServer]]:
    servers: list[FunctionUrlServer] = []

    def start(invoker: object, **options: object) -> FunctionUrlServer:
        options.setdefault("auth_type", "NONE")
        server = FunctionUrlServer(invoker, region=REGION, **options)  # type: ignore[arg-type]
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop(grace=1)


@pytest.fixture
def server(serve: Callable[..., FunctionUrlServer], echo: Echo) -> FunctionUrlServer:
    """A URL in front of ``echo`` with the SHORT deadlines and sizes."""
    return serve(echo, limits=SHORT)


def connect(server: FunctionUrlServer) -> socket.socket:
    host, port = server.url.split("//", 1)[1].rstrip("/").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def answer(sock: socket.socket, method: str = "POST") -> tuple[int, dict[str, str], bytes]:
    response = http.client.HTTPResponse(sock, method=method)
    response.begin()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def exchange(server: FunctionUrlServer, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, keep the connection open, and read the one answer."""
    with connect(server) as sock:
        sock.sendall(raw)
        return answer(sock)


def closed_by_server(sock: socket.socket) -> bool:
    """True once the server has closed its side (EOF or reset), waiting up to 10 s."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


CHUNKED_HEAD = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize("size", [b"-1", b"+5", b" 5", b"0x5", b"5 5"])
def test_signed_or_malformed_chunk_size_is_400_at_once(
    serve: Callable[..., FunctionUrlServer], echo: Echo, size: bytes
) -> None:
    """A chunk size that is not plain hex is refused on sight, without reading to EOF."""
    server = serve(echo)
    status, headers, body = exchange(server, CHUNKED_HEAD + size + b"\r\nhello\r\n")
    assert (status, json.loads(body)) == (400, {"Message": "Bad Request"})
    assert headers["connection"] == "close"
    assert echo.calls == 0


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        # Not chunked: 501 (RFC 9112 section 6.1).
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunkedx\r\n\r\n"
            b"5\r\nhello\r\n0\r\n\r\n",
            501,
            id="unknown-transfer-coding",
        ),
        # Both framings at once: the request-smuggling shape.
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"
            b"\r\n5\r\nhello\r\n0\r\n\r\n",
            400,
            id="content-length-and-transfer-encoding",
        ),
        # HTTP/1.1 without Host is malformed (RFC 9112 section 3.2).
        pytest.param(b"GET / HTTP/1.1\r\n\r\n", 400, id="no-host"),
        # Past 16 KiB: refused instead of buffered without end.
        pytest.param(
            b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 20_000 + b"\r\n\r\n",
            431,
            id="header-block-over-the-limit",
        ),
    ],
)
def test_a_request_framed_wrongly_is_refused_without_an_invoke(
    serve: Callable[..., FunctionUrlServer], echo: Echo, raw: bytes, status: int
) -> None:
    """A request whose framing or head is wrong gets its 4xx/5xx and never reaches the function."""
    assert exchange(serve(echo), raw)[0] == status
    assert echo.calls == 0


def test_chunked_body_over_the_limit_is_413_without_reading_on(
    server: FunctionUrlServer, echo: Echo
) -> None:
    """A chunked body passing the size limit is answered 413 while the client still sends."""
    with connect(server) as sock:
        sock.sendall(CHUNKED_HEAD + b"ffffffff\r\n" + b"x" * 2000)
        status, headers, _ = answer(sock)
    assert (status, headers["connection"]) == (413, "close")
    assert echo.calls == 0


def test_declared_length_over_the_limit_is_413_before_100_continue(
    server: FunctionUrlServer, echo: Echo
) -> None:
    """Content-Length over the limit with Expect: 100-continue gets 413, never a 100."""
    head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n"
    assert exchange(server, head)[0] == 413


def test_expect_100_continue_gets_100_then_the_answer(
    serve: Callable[..., FunctionUrlServer], echo: Echo
) -> None:
    """A client waiting for 100 Continue gets it, sends its body and gets the function's answer."""
    server = serve(echo)
    with connect(server) as sock:
        head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
        sock.sendall(head + b"Expect: 100-continue\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 100 ")
        sock.sendall(b"hello")
        status, _, body = answer(sock)
    assert (status, json.loads(body)) == (200, {"length": 5})


def test_headers_not_finished_in_time_get_408_and_close(
    server: FunctionUrlServer, echo: Echo
) -> None:
    """A client that stops in the middle of its headers is answered 408 and cut off."""
    with connect(server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
        status, headers, _ = answer(sock)
        assert (status, headers["connection"]) == (408, "close")
        assert closed_by_server(sock)


def test_body_not_finished_in_time_gets_408(server: FunctionUrlServer, echo: Echo) -> None:
    """A body that stops arriving is answered 408 at the body deadline, not waited for."""
    with connect(server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
        assert answer(sock)[0] == 408
    assert echo.calls == 0


def test_idle_keep_alive_connection_is_closed_after_the_idle_timeout(
    server: FunctionUrlServer, echo: Echo
) -> None:
    """After its answer, a connection that sends nothing more is closed by the server."""
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert answer(sock, "GET")[0] == 200
        assert closed_by_server(sock)


def test_connection_never_used_is_closed_after_the_idle_timeout(
    server: FunctionUrlServer, echo: Echo
) -> None:
    """A connection opened and left silent does not hold a thread forever."""
    with connect(server) as sock:
        assert closed_by_server(sock)


def test_connections_over_the_cap_get_503(
    serve: Callable[..., FunctionUrlServer], echo: Echo
) -> None:
    """With the cap reached by idle connections, one more is answered 503 and closed."""
    limits = HttpLimits(max_connections=2, idle_timeout=30)
    server = serve(echo, limits=limits)
    held = [connect(server), connect(server)]
    try:
        for sock in held:  # each is being served (a request answered) before the next
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert answer(sock, "GET")[0] == 200
        with connect(server) as extra:
            status, headers, body = answer(extra, "GET")
        assert (status, json.loads(body)) == (503, {"Message": "Service Unavailable"})
        assert headers["connection"] == "close"
    finally:
        for sock in held:
            sock.close()


def test_pipelined_requests_on_one_connection_each_get_their_answer(
    serve: Callable[..., FunctionUrlServer], echo: Echo
) -> None:
    """Two requests sent back to back on a keep-alive connection are answered in order."""
    server = serve(echo)
    one = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc"
    two = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\nd"
    received = b""
    with connect(server) as sock:
        sock.sendall(one + two)
        while received.count(b"}") < 2 and (data := sock.recv(4096)):
            received += data
    assert received.count(b"HTTP/1.1 200 OK") == 2
    assert received.index(b'{"length": 3}') < received.index(b'{"length": 1}')


def test_invoker_bug_is_500_not_a_dropped_connection(
    serve: Callable[..., FunctionUrlServer],
) -> None:
    """An unexpected exception behind the URL still gets an answer: 500."""
    status, _, body = exchange(serve(Broken()), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (status, json.loads(body)) == (500, {"Message": "Internal Server Error"})


def signed_request(amz_date: str | None = None, token: str | None = None) -> bytes:
    request = AWSRequest(method="POST", url="http://x/", data=b"{}")
    SigV4Auth(Credentials(KEY, SECRET, token), "lambda", REGION).add_auth(request)
    headers = dict(request.headers.items())
    if amz_date is not None:
        day = headers["X-Amz-Date"][:8]
        headers["X-Amz-Date"] = amz_date
        headers["Authorization"] = headers["Authorization"].replace(f"/{day}/", f"/{amz_date[:8]}/")
    lines = [f"{k}: {v}" for k, v in headers.items()]
    head = "\r\n".join(["POST / HTTP/1.1", "Host: x", *lines, "Content-Length: 2", "", ""])
    return head.encode() + b"{}"


def test_impossible_x_amz_date_is_403(serve: Callable[..., FunctionUrlServer], echo: Echo) -> None:
    """A signed request with X-Amz-Date 20261399T999999Z gets AWS's 403, not a dropped line."""
    server = serve(echo, auth_type="AWS_IAM", credentials={KEY: Credential(SECRET)})
    status, _, body = exchange(server, signed_request(amz_date="20261399T999999Z"))
    assert (status, json.loads(body)) == (403, {"Message": "Forbidden"})


def test_bogus_security_token_is_403(serve: Callable[..., FunctionUrlServer], echo: Echo) -> None:
    """A well-signed request with a made-up X-Amz-Security-Token is refused like AWS does."""
    server = serve(echo, auth_type="AWS_IAM", credentials={KEY: Credential(SECRET)})
    assert exchange(server, signed_request())[0] == 200
    assert exchange(server, signed_request(token="bogus"))[0] == 403


def test_taken_port_is_a_port_in_use_error(serve: Callable[..., FunctionUrlServer]) -> None:
    """A second server on a taken port raises PortInUseError (a DataplaneError), not OSError."""
    first = serve(Echo())
    port = int(first.url.rstrip("/").rsplit(":", 1)[1])
    with pytest.raises(PortInUseError, match=str(port)):
        FunctionUrlServer(Echo(), auth_type="NONE", region=REGION, port=port)


def test_stop_refuses_new_connections_and_finishes_the_request_in_flight(
    serve: Callable[..., FunctionUrlServer], echo: Echo
) -> None:
    """stop() closes the port at once, lets the running request answer 200, then returns."""
    server = serve(echo)
    echo.release.clear()
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert echo.entered.wait(10)
        stopper = threading.Thread(target=server.stop)
        stopper.start()
        port = int(server.url.rstrip("/").rsplit(":", 1)[1])
        refused = _wait_until_refused(port)
        echo.release.set()
        status, headers, _ = answer(sock, "GET")
        stopper.join(10)
    assert refused
    assert (status, headers["connection"]) == (200, "close")
    assert not stopper.is_alive()


def test_stop_closes_idle_keep_alive_connections(
    serve: Callable[..., FunctionUrlServer], echo: Echo
) -> None:
    """An idle keep-alive connection does not hold stop() up: it is closed at once."""
    server = serve(echo, limits=HttpLimits(idle_timeout=600))
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert answer(sock, "GET")[0] == 200
        began = datetime.now(UTC)
        server.stop(grace=600)
        assert closed_by_server(sock)
    assert (datetime.now(UTC) - began).total_seconds() < 60  # not the 600 s grace


def _wait_until_refused(port: int) -> bool:
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            return True
        threading.Event().wait(0.02)
    return False


def test_head_request_gets_headers_and_no_body(
    serve: Callable[..., FunctionUrlServer], echo: Echo
) -> None:
    """HEAD is answered with the function's status and Content-Length, and no body bytes."""
    with connect(serve(echo)) as sock:
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers, body = answer(sock, "HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["content-length"]) > 0
