"""Function URL payload format 2.0: HTTP request -> event, function result -> HTTP response.

https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

_TEXT_TYPES = (
    "application/json",
    "application/javascript",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/yaml",
)


@dataclass(frozen=True)
class HttpRequest:
    """An incoming request as the wire carried it."""

    method: str
    raw_target: str  # path?query, still percent-encoded
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"


@dataclass
class HttpResponse:
    """What goes back to the HTTP caller."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def is_text(content_type: str | None) -> bool:
    """Whether Lambda passes a body of this type as text rather than base64."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media.startswith("text/") or media in _TEXT_TYPES or media.endswith(("+json", "+xml"))


def build_event(
    request: HttpRequest,
    *,
    request_id: str,
    account_id: str,
    now: datetime,
    authorizer_iam: dict[str, Any] | None,
    url_id: str | None = None,
    region: str = "us-east-1",
) -> dict[str, Any]:
    """The payload 2.0 event for one request. url_id: the URL's id, which AWS puts in
    apiId/domainPrefix and in domainName (``<url-id>.lambda-url.<region>.on.aws``)."""
    raw_path, _, raw_query = request.raw_target.partition("?")
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
        else:
            headers[key] = f"{headers[key]},{value}" if key in headers else value
    host = headers.get("host", "")
    prefix = url_id or host.split(".", 1)[0]
    context: dict[str, Any] = {
        "accountId": account_id,
        "apiId": prefix,
        "domainName": f"{url_id}.lambda-url.{region}.on.aws" if url_id else host,
        "domainPrefix": prefix,
        "http": {
            "method": request.method,
            "path": raw_path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": "$default",
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if authorizer_iam is not None:
        context["authorizer"] = {"iam": authorizer_iam}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if raw_query:
        params: dict[str, str] = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True):
            params[key] = f"{params[key]},{value}" if key in params else value
        event["queryStringParameters"] = params
    event["requestContext"] = context
    if request.body:
        event["body"], event["isBase64Encoded"] = _encode_body(request.body, headers)
    else:
        event["isBase64Encoded"] = False
    return event


def _encode_body(body: bytes, headers: dict[str, str]) -> tuple[str, bool]:
    if is_text(headers.get("content-type")):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass  # declared text but not UTF-8: base64 keeps every byte
    return base64.b64encode(body).decode("ascii"), True


def map_response(payload: bytes, *, notes: list[str] | None = None) -> HttpResponse:
    """The function's result as HTTP, as Lambda maps it (urls-invocation.html, "Response
    payload format"): a JSON object with ``statusCode`` is used as given; any other JSON
    result is a 200 application/json response whose body is that JSON, verbatim (a string
    result ``"Hello, world!"`` arrives quoted, 15 bytes, as the page's example shows).
    ValueError if the result is unusable (Lambda answers 502). ``notes``: told what AWS would
    do that the author may not expect (a list-valued header, ``multiValueHeaders``).
    https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-response-payload
    """
    try:
        result = json.loads(payload) if payload.strip() else None
    except ValueError:
        return HttpResponse(200, [("Content-Type", "application/json")], payload)
    if not (isinstance(result, dict) and "statusCode" in result):
        return HttpResponse(200, [("Content-Type", "application/json")], payload.strip())
    return _explicit_response(result, [] if notes is None else notes)


def _explicit_response(result: dict[str, Any], notes: list[str]) -> HttpResponse:
    status = result["statusCode"]
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise ValueError(f"statusCode {status!r} is not an HTTP status")
    headers = _headers(result.get("headers"), notes)
    if result.get("multiValueHeaders"):
        notes.append(
            "multiValueHeaders is ignored by Function URLs (payload 2.0 has none): those"
            " headers are not sent; use headers (values joined with ', ') or cookies"
        )
    headers += [("Set-Cookie", str(c)) for c in _as_list(result.get("cookies"))]
    body = result.get("body")
    if body is None:
        data = b""
    elif not isinstance(body, str):
        data = json.dumps(body).encode()
    elif result.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body, validate=True)
        except binascii.Error as err:
            raise ValueError("isBase64Encoded body is not base64") from err
    else:
        data = body.encode()
    if data and not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(status, headers, data)


def _headers(value: object, notes: list[str]) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, dict):
        raise ValueError(f"headers must be an object, not {type(value).__name__}")
    headers = []
    for name, item in value.items():
        if item is None:
            continue
        if isinstance(item, list):
            # A Function URL sends a list as ONE header, rendered "[a, b]" (reported on
            # re:Post, QU4VpxEkw_Q6yQotN5JhkBEA; payload 2.0 has no multi-value headers:
            # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
            notes.append(
                f"header {name!r} is a list: AWS sends it as one header '[a, b]', not one"
                " header per value; join the values with ', ' (Set-Cookie: use cookies)"
            )
            text = "[" + ", ".join(_header_text(element) for element in item) + "]"
        else:
            text = _header_text(item)
        headers.append((str(name), text))
    return headers


def _header_text(value: object) -> str:
    # Strings as they are; numbers and booleans as their JSON text (true, not Python's True).
    return value if isinstance(value, str) else json.dumps(value)


def _as_list(value: object) -> Iterable[object]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise ValueError(f"cookies must be a list, not {type(value).__name__}")
