"""Payload format 2.0 mapping: requests to events and function results to responses."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from lambda_dataplane.url_event import HttpRequest, build_event, is_text, map_response
from tests.dataplane.url_events import event_for_request

NOW = datetime(2026, 11, 21, 20, 0, 0, 123000, tzinfo=UTC)


def event_for(request: HttpRequest, iam: dict[str, object] | None = None) -> dict[str, object]:
    return build_event(
        request, request_id="req-1", account_id="111122223333", now=NOW, authorizer_iam=iam
    )


def request(
    target: str = "/",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    method: str = "POST",
) -> HttpRequest:
    base = [("Host", "abc123.lambda-url.us-east-1.on.aws"), ("User-Agent", "pi/1.0")]
    return HttpRequest(method, target, base + (headers or []), body, "127.0.0.1")


def test_event_has_the_documented_shape() -> None:
    """Version, route key, raw path/query and the request context match AWS's example."""
    event = event_for(
        request("/readings/today?device=hall", [("Content-Type", "application/json")], b'{"t": 1}')
    )
    assert event == {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/readings/today",
        "rawQueryString": "device=hall",
        "headers": {
            "host": "abc123.lambda-url.us-east-1.on.aws",
            "user-agent": "pi/1.0",
            "content-type": "application/json",
        },
        "queryStringParameters": {"device": "hall"},
        "requestContext": {
            "accountId": "111122223333",
            "apiId": "abc123",
            "domainName": "abc123.lambda-url.us-east-1.on.aws",
            "domainPrefix": "abc123",
            "http": {
                "method": "POST",
                "path": "/readings/today",
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "pi/1.0",
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "21/Nov/2026:20:00:00 +0000",
            "timeEpoch": 1795291200123,
        },
        "body": '{"t": 1}',
        "isBase64Encoded": False,
    }


def test_repeated_headers_and_query_parameters_are_comma_joined() -> None:
    """Duplicate header names and query keys become one comma-separated value."""
    event = event_for(request("/?a=1&a=2&b=", [("X-Tag", "one"), ("x-tag", "two")]))
    assert event["headers"]["x-tag"] == "one,two"  # type: ignore[index]
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["rawQueryString"] == "a=1&a=2&b="


def test_cookies_move_from_header_to_cookies_list() -> None:
    """The Cookie header becomes the cookies array and leaves the headers."""
    event = event_for(request(headers=[("Cookie", "a=1; b=2"), ("Cookie", "c=3")]))
    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert "cookie" not in event["headers"]  # type: ignore[operator]


def test_no_query_and_no_body_leave_those_keys_out() -> None:
    """Without a query string or body, queryStringParameters and body are absent."""
    event = event_for(request(method="GET"))
    assert "queryStringParameters" not in event
    assert "body" not in event
    assert event["isBase64Encoded"] is False


def test_binary_body_is_base64_encoded() -> None:
    """A non-text content type arrives base64-encoded with isBase64Encoded true."""
    data = bytes(range(256))
    event = event_for(request(headers=[("Content-Type", "application/octet-stream")], body=data))
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == data  # type: ignore[arg-type]


def test_text_body_that_is_not_utf8_is_base64_encoded() -> None:
    """A body declared as text but not valid UTF-8 is base64 so no byte is lost."""
    event = event_for(request(headers=[("Content-Type", "text/plain")], body=b"\xff\xfe"))
    assert (event["body"], event["isBase64Encoded"]) == ("//4=", True)


def test_iam_identity_goes_under_authorizer() -> None:
    """The verified IAM identity appears as requestContext.authorizer.iam."""
    iam = {"accessKey": "AKID", "accountId": "111122223333", "userArn": "arn:aws:iam::1:user/x"}
    context = event_for(request(), iam)["requestContext"]
    assert context["authorizer"] == {"iam": iam}  # type: ignore[index]


@pytest.mark.parametrize(
    ("content_type", "text"),
    [
        ("application/json; charset=utf-8", True),
        ("text/csv", True),
        ("application/vnd.api+json", True),
        ("application/x-www-form-urlencoded", True),
        ("image/png", False),
        (None, False),
    ],
)
def test_text_content_types(content_type: str | None, text: bool) -> None:
    """Text-like media types pass as text, everything else as base64."""
    assert is_text(content_type) is text


def test_explicit_response_uses_status_headers_cookies_body() -> None:
    """A result with statusCode maps field by field, cookies to Set-Cookie headers."""
    response = map_response(
        json.dumps(
            {
                "statusCode": 201,
                "headers": {"Content-Type": "text/plain", "X-Id": "7"},
                "cookies": ["s=1; HttpOnly", "t=2"],
                "body": "created",
            }
        ).encode()
    )
    assert response.status == 201
    assert response.headers == [
        ("Content-Type", "text/plain"),
        ("X-Id", "7"),
        ("Set-Cookie", "s=1; HttpOnly"),
        ("Set-Cookie", "t=2"),
    ]
    assert response.body == b"created"


def test_explicit_base64_body_is_decoded() -> None:
    """isBase64Encoded in the result means the body is sent as the decoded bytes."""
    data = bytes(range(10))
    response = map_response(
        json.dumps(
            {
                "statusCode": 200,
                "headers": {"content-type": "application/octet-stream"},
                "body": base64.b64encode(data).decode(),
                "isBase64Encoded": True,
            }
        ).encode()
    )
    assert response.body == data


def test_object_without_status_code_is_inferred_as_json_200() -> None:
    """Any other JSON object becomes a 200 application/json response with that JSON."""
    response = map_response(b'{"stored": 3}')
    assert (response.status, response.body) == (200, b'{"stored": 3}')
    assert response.headers == [("Content-Type", "application/json")]


def test_string_result_is_sent_as_its_json_text() -> None:
    """A string result arrives quoted, 15 bytes, as urls-invocation.html's example shows."""
    response = map_response(b'"Hello, world!"')
    assert (response.status, response.body) == (200, b'"Hello, world!"')
    assert response.headers == [("Content-Type", "application/json")]


def test_null_result_is_the_json_null() -> None:
    """A handler returning None: valid JSON without statusCode, so its JSON is the body."""
    assert (map_response(b"null").status, map_response(b"null").body) == (200, b"null")


def test_list_valued_header_is_one_header_in_brackets() -> None:
    """A list header value is sent as one '[a, b]' header, as Function URLs do, with a note."""
    notes: list[str] = []
    result = {"statusCode": 200, "headers": {"X-Tags": ["a", "b"], "X-N": 5, "X-On": True}}
    response = map_response(json.dumps(result).encode(), notes=notes)
    assert response.headers == [("X-Tags", "[a, b]"), ("X-N", "5"), ("X-On", "true")]
    assert len(notes) == 1 and "X-Tags" in notes[0] and "', '" in notes[0]


def test_multi_value_headers_are_ignored_with_a_note() -> None:
    """multiValueHeaders (payload 1.0 only) sends nothing, and the note says so."""
    notes: list[str] = []
    result = {"statusCode": 204, "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}}
    response = map_response(json.dumps(result).encode(), notes=notes)
    assert response.headers == []
    assert notes and "multiValueHeaders is ignored" in notes[0]


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "200"},
        {"statusCode": 42},
        {"statusCode": 200, "body": "***", "isBase64Encoded": True},
        {"statusCode": 200, "cookies": "a=1"},
        {"statusCode": 200, "headers": ["a"]},
    ],
)
def test_unusable_explicit_response_is_value_error(result: dict[str, object]) -> None:
    """Bad statusCode, bad base64, non-list cookies or non-object headers cannot be mapped."""
    with pytest.raises(ValueError, match=r"statusCode|base64|cookies|headers"):
        map_response(json.dumps(result).encode())


def test_url_id_shapes_domain_name_api_id_and_prefix() -> None:
    """With the URL's id, the event names the domain as AWS does, whatever Host said."""
    request = HttpRequest("GET", "/", [("Host", "127.0.0.1:9000")], b"", "127.0.0.1")
    event = event_for_request(request, url_id="a" * 32, region="eu-west-1")
    context = event["requestContext"]
    assert context["domainName"] == "a" * 32 + ".lambda-url.eu-west-1.on.aws"
    assert context["apiId"] == context["domainPrefix"] == "a" * 32
