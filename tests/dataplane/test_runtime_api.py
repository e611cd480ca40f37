"""The Runtime API contract over raw HTTP, with no runtime process behind it."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time

from lambda_dataplane.config import MAX_RESPONSE_BYTES
from lambda_dataplane.invocation import Invocation
from lambda_dataplane.runtime_api import RuntimeApiServer

PREFIX = "/2018-06-01/runtime"


def call(
    server: RuntimeApiServer,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection(server.address, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def wait_parked(server: RuntimeApiServer) -> None:
    """Until a long poll is parked in invocation/next."""
    deadline = time.monotonic() + 5
    while server.waiting == 0:
        assert time.monotonic() < deadline, "no long poll parked"
        time.sleep(0.01)


class LongPoll:
    """invocation/next from a background thread: a runtime waiting for its next event."""

    def __init__(self, server: RuntimeApiServer) -> None:
        self.answers: list[tuple[int, bytes]] = []
        self._thread = threading.Thread(target=self._poll, args=(server,))
        self._thread.start()
        wait_parked(server)

    def _poll(self, server: RuntimeApiServer) -> None:
        status, _, body = call(server, "GET", f"{PREFIX}/invocation/next")
        self.answers.append((status, body))

    def answered(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()


def dispatched(server: RuntimeApiServer, payload: bytes = b'{"n": 1}') -> Invocation:
    """Submit an event and take it with invocation/next, as a runtime would."""
    inv = Invocation(payload, timeout_seconds=30)
    server.submit(inv)
    status, _, body = call(server, "GET", f"{PREFIX}/invocation/next")
    assert (status, body) == (200, payload)
    return inv


def test_next_returns_event_with_lambda_headers(runtime_api: RuntimeApiServer) -> None:
    """invocation/next carries the event and every header the runtime reads."""
    inv = Invocation(b'{"hello": "world"}', timeout_seconds=30)
    runtime_api.submit(inv)
    status, headers, body = call(runtime_api, "GET", f"{PREFIX}/invocation/next")
    assert status == 200
    assert body == b'{"hello": "world"}'
    assert headers["Lambda-Runtime-Aws-Request-Id"] == inv.request_id
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == runtime_api.function_arn
    assert headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-")
    deadline_ms = int(headers["Lambda-Runtime-Deadline-Ms"])
    assert 29_000 < deadline_ms - time.time() * 1000 <= 30_000


def test_next_always_sends_content_type(runtime_api: RuntimeApiServer) -> None:
    """Content-Type is present even for an empty event (awslambdaric segfaults without it)."""
    runtime_api.submit(Invocation(b"", timeout_seconds=5))
    status, headers, body = call(runtime_api, "GET", f"{PREFIX}/invocation/next")
    assert (status, body) == (200, b"")
    assert headers["Content-Type"] == "application/json"


def test_next_long_polls_until_an_event_is_submitted(runtime_api: RuntimeApiServer) -> None:
    """A runtime waiting on invocation/next gets the event submitted later."""
    poll = LongPoll(runtime_api)
    assert not poll.answered(timeout=0.3), "next answered with no event queued"
    runtime_api.submit(Invocation(b'{"late": true}', timeout_seconds=5))
    assert poll.answered(timeout=5)
    assert poll.answers == [(200, b'{"late": true}')]


def test_response_completes_the_invocation(runtime_api: RuntimeApiServer) -> None:
    """POST .../response answers 202 and becomes the invocation's result."""
    inv = dispatched(runtime_api)
    status, _, body = call(
        runtime_api, "POST", f"{PREFIX}/invocation/{inv.request_id}/response", b'{"ok": 1}'
    )
    assert (status, json.loads(body)) == (202, {"status": "OK"})
    assert (inv.done, inv.result, inv.function_error) == (True, b'{"ok": 1}', None)


def test_response_for_unknown_request_id_is_rejected(runtime_api: RuntimeApiServer) -> None:
    """A request id that is not in flight gets 400 InvalidRequestID and changes nothing."""
    inv = dispatched(runtime_api)
    status, _, body = call(runtime_api, "POST", f"{PREFIX}/invocation/not-a-real-id/response", b"1")
    assert status == 400
    assert json.loads(body)["errorType"] == "InvalidRequestID"
    assert not inv.done


def test_second_response_for_same_request_is_forbidden(runtime_api: RuntimeApiServer) -> None:
    """Only the first response counts; a repeat gets 403 and the result stays."""
    inv = dispatched(runtime_api)
    path = f"{PREFIX}/invocation/{inv.request_id}"
    assert call(runtime_api, "POST", f"{path}/response", b"1")[0] == 202
    status, _, body = call(runtime_api, "POST", f"{path}/error", b"{}")
    assert status == 403
    assert json.loads(body)["errorType"] == "InvalidStateTransition"
    assert (inv.result, inv.function_error) == (b"1", None)


def test_next_while_invocation_in_flight_is_forbidden(runtime_api: RuntimeApiServer) -> None:
    """Asking for another event before answering the current one gets 403."""
    dispatched(runtime_api)
    status, _, body = call(runtime_api, "GET", f"{PREFIX}/invocation/next")
    assert status == 403
    assert json.loads(body)["errorType"] == "InvalidStateTransition"


def test_error_with_json_body_is_the_function_error(runtime_api: RuntimeApiServer) -> None:
    """POST .../error passes the runtime's error document through as an Unhandled error."""
    inv = dispatched(runtime_api)
    doc = {"errorMessage": "boom", "errorType": "ValueError", "stackTrace": ["line 1"]}
    status, _, _ = call(
        runtime_api,
        "POST",
        f"{PREFIX}/invocation/{inv.request_id}/error",
        json.dumps(doc).encode(),
        {"Lambda-Runtime-Function-Error-Type": "ValueError"},
    )
    assert status == 202
    assert (json.loads(inv.result), inv.function_error) == (doc, "Unhandled")


def test_error_without_body_uses_error_type_header(runtime_api: RuntimeApiServer) -> None:
    """With no readable error body, the error type header builds the error (as Lambda does)."""
    inv = dispatched(runtime_api)
    headers = {"Lambda-Runtime-Function-Error-Type": "Runtime.Custom"}
    path = f"{PREFIX}/invocation/{inv.request_id}/error"
    assert call(runtime_api, "POST", path, b"not json", headers)[0] == 202
    assert json.loads(inv.result)["errorType"] == "Runtime.Custom"
    assert inv.function_error == "Unhandled"


def test_init_error_answers_the_waiting_invocation(runtime_api: RuntimeApiServer) -> None:
    """An init error becomes the payload of the invocation that was waiting for init."""
    inv = Invocation(b"{}", timeout_seconds=5)
    runtime_api.submit(inv)
    doc = {"errorMessage": "Unable to import module 'x'", "errorType": "Runtime.ImportModuleError"}
    status, _, _ = call(runtime_api, "POST", f"{PREFIX}/init/error", json.dumps(doc).encode())
    assert status == 202
    assert (json.loads(inv.result), inv.function_error) == (doc, "Unhandled")
    assert not runtime_api.healthy


def test_init_error_before_any_invocation_answers_the_next(runtime_api: RuntimeApiServer) -> None:
    """An init error reported with nothing pending is the answer to the next submit."""
    doc = b'{"errorMessage": "bad", "errorType": "Runtime.HandlerNotFound"}'
    assert call(runtime_api, "POST", f"{PREFIX}/init/error", doc)[0] == 202
    inv = Invocation(b"{}", timeout_seconds=5)
    runtime_api.submit(inv)
    assert (inv.result, inv.function_error) == (doc, "Unhandled")


def test_response_at_the_limit_is_accepted(runtime_api: RuntimeApiServer) -> None:
    """A response of exactly the 6 MB limit is accepted whole."""
    inv = dispatched(runtime_api)
    body = b"x" * MAX_RESPONSE_BYTES
    path = f"{PREFIX}/invocation/{inv.request_id}/response"
    assert call(runtime_api, "POST", path, body)[0] == 202
    assert inv.result == body


def test_response_over_the_limit_is_413_and_a_function_error(runtime_api: RuntimeApiServer) -> None:
    """One byte over the limit: 413 to the runtime, Function.ResponseSizeTooLarge to the caller."""
    inv = dispatched(runtime_api)
    path = f"{PREFIX}/invocation/{inv.request_id}/response"
    status, _, body = call(runtime_api, "POST", path, b"x" * (MAX_RESPONSE_BYTES + 1))
    assert (status, json.loads(body)["errorType"]) == (413, "RequestEntityTooLarge")
    assert json.loads(inv.result)["errorType"] == "Function.ResponseSizeTooLarge"
    assert inv.function_error == "Unhandled"
    assert not runtime_api.healthy  # awslambdaric exits after a refused response: recycle


def test_chunked_response_is_accepted(runtime_api: RuntimeApiServer) -> None:
    """A response sent with chunked transfer encoding is reassembled."""
    inv = dispatched(runtime_api)
    conn = http.client.HTTPConnection(runtime_api.address, timeout=10)
    conn.request(
        "POST",
        f"{PREFIX}/invocation/{inv.request_id}/response",
        body=iter([b'{"a":', b" 1}"]),
        encode_chunked=True,
    )
    assert conn.getresponse().status == 202
    conn.close()
    assert inv.result == b'{"a": 1}'


def test_bad_content_length_is_400(runtime_api: RuntimeApiServer) -> None:
    """A response with an unparseable Content-Length is refused with 400."""
    inv = dispatched(runtime_api)
    conn = http.client.HTTPConnection(runtime_api.address, timeout=10)
    conn.putrequest("POST", f"{PREFIX}/invocation/{inv.request_id}/response")
    conn.putheader("Content-Length", "many")
    conn.endheaders()
    assert conn.getresponse().status == 400
    conn.close()
    assert not inv.done


def test_unknown_paths_are_404(runtime_api: RuntimeApiServer) -> None:
    """Paths outside the 2018-06-01 contract answer 404."""
    for method, path in [
        ("GET", "/"),
        ("GET", "/2018-06-01/runtime/invocation/abc/response"),
        ("POST", "/2018-06-01/runtime/invocation/next"),
        ("POST", "/2019-01-01/runtime/init/error"),
        ("POST", "/2018-06-01/runtime/invocation/abc/retry"),
    ]:
        assert call(runtime_api, method, path, b"{}" if method == "POST" else None)[0] == 404


def test_environment_exit_fails_the_invocation(runtime_api: RuntimeApiServer) -> None:
    """If the environment dies holding an event, the caller gets Runtime.ExitError."""
    inv = dispatched(runtime_api)
    runtime_api.environment_exited("signal: killed")
    error = json.loads(inv.result)
    assert error["errorType"] == "Runtime.ExitError"
    assert error["errorMessage"].endswith("Runtime exited with error: signal: killed")
    assert not runtime_api.healthy


def test_stop_releases_a_waiting_long_poll(runtime_api: RuntimeApiServer) -> None:
    """Stopping the server answers a pending invocation/next with 500 instead of hanging."""
    poll = LongPoll(runtime_api)
    runtime_api.stop()
    assert poll.answered(timeout=5)
    assert [status for status, _ in poll.answers] == [500]


def test_environment_exit_before_dispatch_marks_event_lost(runtime_api: RuntimeApiServer) -> None:
    """An event the environment never took is flagged so the caller can retry it elsewhere."""
    inv = Invocation(b"{}", timeout_seconds=5)
    runtime_api.submit(inv)
    runtime_api.environment_exited("signal: killed")
    assert inv.done and inv.lost_before_dispatch


def test_long_poll_of_a_dead_runtime_does_not_take_the_event(
    runtime_api: RuntimeApiServer,
) -> None:
    """A next request whose runtime hung up leaves the event for the live runtime."""
    host, port = runtime_api.address.split(":")
    stale = socket.create_connection((host, int(port)))
    stale.sendall(f"GET {PREFIX}/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    stale.close()  # the runtime process died while waiting
    wait_parked(runtime_api)
    dispatched(runtime_api, b'{"for": "the live runtime"}')


def raw_post(server: RuntimeApiServer, head: bytes, body: bytes) -> int:
    """Send a request by hand (framing a client library would not produce); its status."""
    host, port = server.address.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status


def test_signed_chunk_size_is_400_without_reading_to_eof(runtime_api: RuntimeApiServer) -> None:
    """A chunk size of -1 is refused at once, with the connection still open."""
    inv = dispatched(runtime_api)
    head = f"POST {PREFIX}/invocation/{inv.request_id}/response HTTP/1.1\r\nHost: x\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n"
    assert raw_post(runtime_api, head.encode(), b"-1\r\nabc\r\n") == 400


def test_unknown_transfer_coding_is_not_taken_as_chunked(runtime_api: RuntimeApiServer) -> None:
    """`Transfer-Encoding: xchunkedx` is refused (400), not parsed as chunked."""
    inv = dispatched(runtime_api)
    head = f"POST {PREFIX}/invocation/{inv.request_id}/response HTTP/1.1\r\nHost: x\r\n"
    head += "Transfer-Encoding: xchunkedx\r\n\r\n"
    assert raw_post(runtime_api, head.encode(), b"3\r\nabc\r\n0\r\n\r\n") == 400
    assert not inv.done
