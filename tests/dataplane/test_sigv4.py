"""SigV4 verification against signatures made by botocore (the reference signer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from lambda_dataplane import SignatureError
from lambda_dataplane.sigv4 import Credential, SigV4Verifier
from lambda_dataplane.sigv4_canonical import canonical_query, canonical_uri

KEY, SECRET = "AKIDLOCALDEV", "local-dev-secret"
HOST = "127.0.0.1:8123"
CREDENTIALS = {KEY: Credential(SECRET, account_id="111122223333")}


def signed(
    method: str = "POST",
    target: str = "/",
    body: bytes = b'{"t": 21.5}',
    *,
    secret: str = SECRET,
    key: str = KEY,
    region: str = "us-east-1",
    service: str = "lambda",
    headers: dict[str, str] | None = None,
) -> tuple[str, str, list[tuple[str, str]], bytes]:
    """A request signed by botocore, in the form the server sees it."""
    request = AWSRequest(
        method=method,
        url=f"http://{HOST}{target}",
        data=body,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    SigV4Auth(Credentials(key, secret), service, region).add_auth(request)
    wire_headers = [("Host", HOST), *((k, str(v)) for k, v in request.headers.items())]
    return method, target, wire_headers, body


def verifier(clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> SigV4Verifier:
    return SigV4Verifier(CREDENTIALS, region="us-east-1", clock=clock)


def replace_header(
    request: tuple[str, str, list[tuple[str, str]], bytes], name: str, value: str
) -> tuple[str, str, list[tuple[str, str]], bytes]:
    method, target, headers, body = request
    return method, target, [(k, value if k.lower() == name else v) for k, v in headers], body


def test_botocore_signature_is_accepted_with_identity() -> None:
    """A genuine botocore signature verifies and names the configured identity."""
    identity = verifier().verify(*signed())
    assert identity.access_key == KEY
    assert identity.account_id == "111122223333"
    assert identity.authorizer_iam()["userArn"] == "arn:aws:iam::111122223333:user/local-dev"


def test_path_and_query_are_covered_by_the_signature() -> None:
    """Signatures over a path with odd characters and an unsorted query verify."""
    request = signed("GET", "/a%20b/c/?z=1&a=x%2Fy&a=b&empty=", b"")
    assert verifier().verify(*request).access_key == KEY


def test_unsigned_request_is_rejected() -> None:
    """No Authorization header and no presigned query: SignatureError."""
    with pytest.raises(SignatureError, match="not signed"):
        verifier().verify("POST", "/", [("Host", HOST)], b"{}")


@pytest.mark.parametrize(
    ("signing", "refusal"),
    [
        pytest.param({"key": "AKIDSOMEONEELSE"}, "unknown access key", id="unknown-key"),
        pytest.param({"secret": "guessed"}, "does not match", id="wrong-secret"),
        pytest.param({"region": "eu-west-1"}, "scope", id="other-region"),
        pytest.param({"service": "execute-api"}, "scope", id="other-service"),
    ],
)
def test_a_signature_the_stack_does_not_accept_is_rejected(
    signing: dict[str, str], refusal: str
) -> None:
    """A key the stack does not know, the wrong secret, or a scope of another region or
    service (execute-api): SignatureError saying which."""
    with pytest.raises(SignatureError, match=refusal):
        verifier().verify(*signed(**signing))


def test_tampered_body_is_rejected() -> None:
    """Changing one byte of the body breaks the signature."""
    method, target, headers, _ = signed(body=b'{"t": 21.5}')
    with pytest.raises(SignatureError, match="does not match"):
        verifier().verify(method, target, headers, b'{"t": 99.5}')


def test_tampered_signed_header_is_rejected() -> None:
    """Changing a signed header's value breaks the signature."""
    request = replace_header(signed(), "content-type", "text/plain")
    with pytest.raises(SignatureError, match="does not match"):
        verifier().verify(*request)


def test_tampered_path_is_rejected() -> None:
    """Replaying a signature on another path fails."""
    method, _, headers, body = signed(target="/readings")
    with pytest.raises(SignatureError, match="does not match"):
        verifier().verify(method, "/admin", headers, body)


def test_signature_older_than_five_minutes_is_rejected() -> None:
    """Replaying a request after the 5-minute window fails."""
    request = signed()
    later = datetime.now(UTC) + timedelta(minutes=5, seconds=30)
    with pytest.raises(SignatureError, match="older than"):
        verifier(lambda: later).verify(*request)


def test_signature_within_five_minutes_is_accepted() -> None:
    """Four minutes of clock difference is still inside AWS's window."""
    request = signed()
    later = datetime.now(UTC) + timedelta(minutes=4)
    assert verifier(lambda: later).verify(*request).access_key == KEY


def test_signature_from_the_future_is_rejected() -> None:
    """A date more than five minutes ahead is refused too."""
    request = signed()
    earlier = datetime.now(UTC) - timedelta(minutes=6)
    with pytest.raises(SignatureError, match="future"):
        verifier(lambda: earlier).verify(*request)


def test_missing_signed_header_is_rejected() -> None:
    """A header named in SignedHeaders but absent from the request is refused."""
    method, target, headers, body = signed()
    stripped = [(k, v) for k, v in headers if k.lower() != "content-type"]
    with pytest.raises(SignatureError, match="missing"):
        verifier().verify(method, target, stripped, body)


@pytest.mark.parametrize(
    ("signed_headers", "missing"),
    [("content-type;x-amz-date", "host"), ("content-type;host", "x-amz-date")],
)
def test_host_and_date_must_be_signed(signed_headers: str, missing: str) -> None:
    """SignedHeaders must include host and x-amz-date, or the request is refused."""
    request = signed()
    auth = dict(request[2])["Authorization"]
    weaker = auth.replace(
        "SignedHeaders=content-type;host;x-amz-date", f"SignedHeaders={signed_headers}"
    )
    with pytest.raises(SignatureError, match=f"not signed: \\['{missing}'\\]"):
        verifier().verify(*replace_header(request, "authorization", weaker))


def test_malformed_authorization_is_rejected() -> None:
    """An Authorization header that is not SigV4 is refused."""
    headers = [("Host", HOST), ("Authorization", "Basic dXNlcjpwYXNz")]
    with pytest.raises(SignatureError, match="algorithm"):
        verifier().verify("POST", "/", headers, b"")


def test_presigned_url_is_accepted() -> None:
    """A botocore presigned URL (query-string form) verifies."""
    request = AWSRequest(method="GET", url=f"http://{HOST}/status?device=a")
    SigV4QueryAuth(Credentials(KEY, SECRET), "lambda", "us-east-1", expires=60).add_auth(request)
    target = request.url.split(HOST, 1)[1]
    assert verifier().verify("GET", target, [("Host", HOST)], b"").access_key == KEY


def test_expired_presigned_url_is_rejected() -> None:
    """A presigned URL used after X-Amz-Expires is refused."""
    request = AWSRequest(method="GET", url=f"http://{HOST}/status")
    SigV4QueryAuth(Credentials(KEY, SECRET), "lambda", "us-east-1", expires=60).add_auth(request)
    target = request.url.split(HOST, 1)[1]
    later = datetime.now(UTC) + timedelta(seconds=90)
    with pytest.raises(SignatureError, match="expired"):
        verifier(lambda: later).verify("GET", target, [("Host", HOST)], b"")


def test_canonical_uri_normalizes_and_double_encodes() -> None:
    """Dot segments and repeated slashes go; escapes are encoded again (non-S3 rule)."""
    assert canonical_uri("") == "/"
    assert canonical_uri("/a/./b/../c//d/") == "/a/c/d/"
    assert canonical_uri("/a%20b") == "/a%2520b"


def test_canonical_query_sorts_and_encodes() -> None:
    """Parameters are sorted by name then value, each AWS-encoded."""
    assert canonical_query("b=2&a=y&a=x&c") == "a=x&a=y&b=2&c="
    assert canonical_query("k=a b&s=%7E") == "k=a%20b&s=~"


def test_impossible_x_amz_date_is_a_signature_error() -> None:
    """An X-Amz-Date shaped right but naming no time (month 13) is refused, not a crash."""
    request = replace_header(signed(), "x-amz-date", "20261399T999999Z")
    headers = request[2]
    authorization = next(v for k, v in headers if k.lower() == "authorization")
    scope_date = authorization.split("Credential=", 1)[1].split("/")[1]
    request = replace_header(
        request, "authorization", authorization.replace(f"/{scope_date}/", "/20261399/")
    )
    with pytest.raises(SignatureError, match="not a date"):
        verifier().verify(*request)


def signed_with_token(token: str) -> tuple[str, str, list[tuple[str, str]], bytes]:
    request = AWSRequest(method="POST", url=f"http://{HOST}/", data=b"{}")
    SigV4Auth(Credentials(KEY, SECRET, token), "lambda", "us-east-1").add_auth(request)
    return "POST", "/", [("Host", HOST), *request.headers.items()], b"{}"


def test_security_token_with_a_long_term_key_is_refused() -> None:
    """A correctly signed request carrying a made-up X-Amz-Security-Token is refused."""
    with pytest.raises(SignatureError, match="security token"):
        verifier().verify(*signed_with_token("bogus-token"))


def test_temporary_credentials_need_their_own_token() -> None:
    """A session credential is accepted with its token and refused with another or none."""
    session = SigV4Verifier(
        {KEY: Credential(SECRET, session_token="the-token")}, region="us-east-1"
    )
    assert session.verify(*signed_with_token("the-token")).access_key == KEY
    with pytest.raises(SignatureError, match="security token"):
        session.verify(*signed_with_token("another-token"))
    with pytest.raises(SignatureError, match="security token"):
        session.verify(*signed())
