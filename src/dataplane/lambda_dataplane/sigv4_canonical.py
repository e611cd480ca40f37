"""The pieces of a SigV4 canonical request and the signing key, per AWS's documentation:
https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import quote, unquote

from lambda_dataplane.errors import SignatureError


def canonical_uri(raw_path: str) -> str:
    """Path normalized like botocore (dot segments, repeated slashes), then encoded again:
    non-S3 services sign each segment URI-encoded twice, and raw_path is already encoded once."""
    segments: list[str] = []
    for part in raw_path.split("/"):
        if part == "..":
            if segments:
                segments.pop()
        elif part and part != ".":
            segments.append(part)
    path = "/" + "/".join(segments)
    if raw_path.endswith("/") and segments:
        path += "/"
    return quote(path, safe="/~")


def canonical_query(raw_query: str, *, exclude: str | None = None) -> str:
    """Each name and value decoded then AWS-encoded (unreserved chars only), sorted."""
    pairs: list[tuple[str, str]] = []
    for item in filter(None, raw_query.split("&")):
        name, _, value = item.partition("=")
        name, value = (quote(unquote(x), safe="-_.~") for x in (name, value))
        if name != exclude:
            pairs.append((name, value))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


def canonical_headers(headers: Iterable[tuple[str, str]], signed: list[str]) -> str:
    values: dict[str, list[str]] = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(" ".join(value.split()))
    missing = [h for h in signed if h not in values]
    if missing:
        raise SignatureError(f"signed headers missing from the request: {missing}")
    return "".join(f"{h}:{','.join(values[h])}\n" for h in signed)


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """kSigning = HMAC chain over date, region, service and aws4_request."""
    key = _hmac(f"AWS4{secret}".encode(), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return key
