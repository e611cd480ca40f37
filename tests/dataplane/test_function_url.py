"""Function URL ingress end to end: real HTTP clients, a real awslambdaric function."""

from __future__ import annotations

import base64
import http.client
import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests_aws4auth import AWS4Auth

from lambda_dataplane import FunctionConfig, FunctionRuntime, InvocationResult, ProcessLauncher
from lambda_dataplane.config import MAX_REQUEST_BYTES
from lambda_dataplane.function_url import FunctionUrlServer
from lambda_dataplane.sigv4 import Credential
from tests.dataplane.conftest import HANDLERS

pytestmark = pytest.mark.e2e
KEY, SECRET, REGION = "AKIDLOCALDEV", "local-dev-secret", "us-east-1"
CREDENTIALS = {
    KEY: Credential(SECRET, account_id="111122223333", user_arn="arn:aws:iam::111122223333:user/pi")
}


class CountingInvoker:
    """Passes invocations to the real runtime and counts them."""

    def __init__(self, runtime: FunctionRuntime) -> None:
        self.runtime = runtime
        self.calls = 0

    def invoke(self, payload: bytes, *, timeout: float | None = None) -> InvocationResult:
        self.calls += 1
        return self.runtime.invoke(payload, timeout=timeout)


@pytest.fixture(scope="module")
def invoker() -> Iterator[CountingInvoker]:
    config = FunctionConfig(
        name="url",
        arn="arn:aws:lambda:us-east-1:111122223333:function:url",
        command=("functions.url",),
        timeout_seconds=10,
    )
    runtime = FunctionRuntime(config, launcher=ProcessLauncher(cwd=HANDLERS))
    runtime.start()
    yield CountingInvoker(runtime)
    runtime.stop()


@pytest.fixture(scope="module")
def iam_url(invoker: CountingInvoker) -> Iterator[str]:
    server = FunctionUrlServer(invoker, auth_type="AWS_IAM", credentials=CREDENTIALS, region=REGION)
    server.start()
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def open_url(invoker: CountingInvoker) -> Iterator[str]:
    server = FunctionUrlServer(invoker, auth_type="NONE", region=REGION)
    server.start()
    yield server.url
    server.stop()


def aws4auth(secret: str = SECRET) -> AWS4Auth:
    return AWS4Auth(KEY, secret, REGION, "lambda")


def botocore_headers(url: str, body: bytes, secret: str = SECRET) -> dict[str, str]:
    request = AWSRequest(
        method="POST", url=url, data=body, headers={"Content-Type": "application/json"}
    )
    SigV4Auth(Credentials(KEY, secret), "lambda", REGION).add_auth(request)
    return dict(request.headers.items())


def test_requests_aws4auth_signature_is_accepted(iam_url: str) -> None:
    """The Pi's signer (requests-aws4auth) gets through, and the event names the caller."""
    response = requests.post(iam_url + "ingest?x=1", json={"t": 20.5}, auth=aws4auth(), timeout=10)
    assert response.status_code == 200
    event = response.json()
    assert event["requestContext"]["authorizer"]["iam"] == {
        "accessKey": KEY,
        "accountId": "111122223333",
        "callerId": KEY,
        "cognitoIdentity": None,
        "principalOrgId": None,
        "userArn": "arn:aws:iam::111122223333:user/pi",
        "userId": KEY,
    }
    assert event["requestContext"]["accountId"] == "111122223333"
    assert (event["rawPath"], event["body"]) == ("/ingest", '{"t": 20.5}')


def test_botocore_signature_is_accepted(iam_url: str) -> None:
    """A request signed by botocore's SigV4Auth is accepted."""
    body = b'{"t": 19.0}'
    response = requests.post(
        iam_url, data=body, headers=botocore_headers(iam_url, body), timeout=10
    )
    assert response.status_code == 200
    assert response.json()["body"] == '{"t": 19.0}'


def test_curl_aws_sigv4_is_accepted(iam_url: str) -> None:
    """The README's curl --aws-sigv4 command line is accepted."""
    out = subprocess.run(
        [
            "curl",
            "-sS",
            "--fail-with-body",
            "--aws-sigv4",
            f"aws:amz:{REGION}:lambda",
            "--user",
            f"{KEY}:{SECRET}",
            "-H",
            "Content-Type: application/json",
            "--data",
            '{"t": 22.0}',
            iam_url + "readings?device=hall",
        ],
        capture_output=True,
        check=True,
        timeout=30,
    )
    event = json.loads(out.stdout)
    assert event["body"] == '{"t": 22.0}'
    assert event["queryStringParameters"] == {"device": "hall"}


def assert_forbidden(response: requests.Response) -> None:
    assert response.status_code == 403
    assert response.json() == {"Message": "Forbidden"}


def test_unsigned_request_is_forbidden_and_not_invoked(
    iam_url: str, invoker: CountingInvoker
) -> None:
    """No signature: 403 Forbidden, and the function never runs."""
    before = invoker.calls
    assert_forbidden(requests.post(iam_url, json={"t": 1}, timeout=10))
    assert invoker.calls == before


def test_wrong_secret_is_forbidden(iam_url: str) -> None:
    """A signature made with the wrong secret gets 403."""
    assert_forbidden(requests.post(iam_url, json={"t": 1}, auth=aws4auth("nope"), timeout=10))


def test_tampered_body_is_forbidden(iam_url: str) -> None:
    """Headers signed for one body, sent with another: 403."""
    headers = botocore_headers(iam_url, b'{"t": 1}')
    assert_forbidden(requests.post(iam_url, data=b'{"t": 9}', headers=headers, timeout=10))


def test_replay_after_expiry_is_forbidden(iam_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A request signed 10 minutes ago (a replay) is refused."""
    old = datetime.now(UTC) - timedelta(minutes=10)
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: old.replace(tzinfo=None))
    body = b'{"t": 1}'
    headers = botocore_headers(iam_url, body)
    assert_forbidden(requests.post(iam_url, data=body, headers=headers, timeout=10))


def test_auth_none_passes_unsigned_requests(open_url: str) -> None:
    """With auth NONE, unsigned requests reach the function with no authorizer."""
    event = requests.get(open_url + "status", timeout=10).json()
    assert "authorizer" not in event["requestContext"]
    assert event["requestContext"]["accountId"] == "anonymous"
    assert event["requestContext"]["http"]["method"] == "GET"


def test_request_id_header_matches_event(open_url: str) -> None:
    """x-amzn-RequestId in the response is the event's requestContext.requestId."""
    response = requests.get(open_url, timeout=10)
    assert response.headers["x-amzn-RequestId"] == response.json()["requestContext"]["requestId"]


def post_json(url: str, doc: Any) -> http.client.HTTPResponse:
    host = url.split("//", 1)[1].rstrip("/")
    conn = http.client.HTTPConnection(host, timeout=10)
    conn.request("POST", "/", body=json.dumps(doc), headers={"Content-Type": "application/json"})
    return conn.getresponse()


def test_explicit_response_maps_status_headers_and_cookies(open_url: str) -> None:
    """statusCode, headers and each cookie (as its own Set-Cookie) reach the client."""
    response = post_json(
        open_url,
        {
            "respond": {
                "statusCode": 422,
                "headers": {"Content-Type": "application/json", "X-Count": "0"},
                "cookies": ["a=1; Path=/", "b=2"],
                "body": '{"error": "invalid_readings"}',
            }
        },
    )
    assert response.status == 422
    assert response.headers["X-Count"] == "0"
    assert response.headers.get_all("Set-Cookie") == ["a=1; Path=/", "b=2"]
    assert json.loads(response.read()) == {"error": "invalid_readings"}


def test_base64_response_body_is_decoded(open_url: str) -> None:
    """A base64 result body arrives as raw bytes."""
    data = bytes(range(256))
    response = post_json(
        open_url,
        {
            "respond": {
                "statusCode": 200,
                "headers": {"Content-Type": "image/png"},
                "body": base64.b64encode(data).decode(),
                "isBase64Encoded": True,
            }
        },
    )
    assert (response.status, response.headers["Content-Type"]) == (200, "image/png")
    assert response.read() == data


def test_binary_request_body_arrives_base64(open_url: str) -> None:
    """An octet-stream body reaches the function base64-encoded."""
    data = bytes(range(256)) * 4
    event = requests.post(
        open_url, data=data, timeout=10, headers={"Content-Type": "application/octet-stream"}
    ).json()
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == data


def test_inferred_response_is_json_200(open_url: str) -> None:
    """A plain JSON result without statusCode becomes 200 application/json."""
    response = post_json(open_url, {"respond": {"stored": 2}})
    assert (response.status, response.headers["Content-Type"]) == (200, "application/json")
    assert json.loads(response.read()) == {"stored": 2}


def test_string_result_reaches_the_client_as_json_text(open_url: str) -> None:
    """A handler returning "Hello, world!" answers the quoted JSON string, as AWS shows."""
    response = post_json(open_url, {"respond": "Hello, world!"})
    assert (response.status, response.headers["Content-Type"]) == (200, "application/json")
    assert response.read() == b'"Hello, world!"'


def test_list_valued_header_reaches_the_client_as_one_bracketed_header(open_url: str) -> None:
    """headers {"X-Tags": ["a", "b"]} is one 'X-Tags: [a, b]' header, as on a Function URL."""
    response = post_json(
        open_url, {"respond": {"statusCode": 200, "headers": {"X-Tags": ["a", "b"]}}}
    )
    assert response.headers.get_all("X-Tags") == ["[a, b]"]


def test_function_error_is_502(open_url: str) -> None:
    """An unhandled function error gives 502 Internal Server Error."""
    response = post_json(open_url, {"raise": "broken"})
    assert response.status == 502
    assert json.loads(response.read()) == {"Message": "Internal Server Error"}


def test_unusable_function_response_is_502(open_url: str) -> None:
    """A result with a bogus statusCode gives 502 too."""
    assert post_json(open_url, {"respond": {"statusCode": "teapot"}}).status == 502


def test_body_over_6_mb_is_413_and_not_invoked(open_url: str, invoker: CountingInvoker) -> None:
    """A body over the 6 MB limit is refused with 413 before invoking."""
    before = invoker.calls
    response = requests.post(
        open_url,
        data=b"x" * (MAX_REQUEST_BYTES + 1),
        timeout=30,
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 413
    assert invoker.calls == before


def test_binary_body_too_large_once_encoded_is_413(open_url: str) -> None:
    """A 5 MB binary body exceeds the invoke limit once base64-encoded: 413."""
    response = requests.post(
        open_url,
        data=b"\x00" * (5 * 1024 * 1024),
        timeout=30,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 413


def test_unknown_auth_type_is_rejected(invoker: CountingInvoker) -> None:
    """Only AWS_IAM and NONE exist."""
    with pytest.raises(ValueError, match="auth_type"):
        FunctionUrlServer(invoker, auth_type="COGNITO", region=REGION)  # type: ignore[arg-type]


def test_front_end_adds_forwarding_headers(open_url: str) -> None:
    """Like AWS, the event carries x-forwarded-* and an x-amzn-trace-id added after auth."""
    headers = requests.get(open_url, timeout=10).json()["headers"]
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-port"] == open_url.rsplit(":", 1)[1].strip("/")
    assert headers["x-amzn-trace-id"].startswith("Root=1-")


def test_presigned_url_is_accepted(iam_url: str) -> None:
    """A botocore presigned URL (query-string SigV4) gets through."""
    request = AWSRequest(method="GET", url=iam_url + "status?device=hall")
    SigV4QueryAuth(Credentials(KEY, SECRET), "lambda", REGION, expires=60).add_auth(request)
    response = requests.get(request.url, timeout=10)
    assert response.status_code == 200
    assert response.json()["queryStringParameters"]["device"] == "hall"


def test_stopped_function_is_500() -> None:
    """A data-plane fault (the function runtime is not running) gives 500."""
    config = FunctionConfig(
        name="off", arn="arn:aws:lambda:us-east-1:1:function:off", command=("functions.url",)
    )
    server = FunctionUrlServer(FunctionRuntime(config), auth_type="NONE", region=REGION)
    server.start()
    try:
        response = requests.get(server.url, timeout=10)
    finally:
        server.stop()
    assert (response.status_code, response.json()) == (500, {"Message": "Internal Server Error"})


def test_malformed_chunked_body_is_400(open_url: str, invoker: CountingInvoker) -> None:
    """A body whose chunked framing is broken is refused with 400, not invoked."""
    before = invoker.calls
    conn = http.client.HTTPConnection(open_url.split("//", 1)[1].rstrip("/"), timeout=10)
    conn.putrequest("POST", "/")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    conn.send(b"zz\r\nhello\r\n0\r\n\r\n")
    assert conn.getresponse().status == 400
    conn.close()
    assert invoker.calls == before
