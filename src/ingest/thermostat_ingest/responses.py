"""HTTP responses of the ingest function: the one place errors become status codes."""

from __future__ import annotations

import json
from typing import Any

from thermostat.api import ErrorReply, StoredReply
from thermostat_ingest.errors import (
    EmptyBatch,
    InvalidReadings,
    MalformedBody,
    MethodNotAllowed,
    PayloadTooLarge,
    RequestError,
    StoreUnavailable,
    TooManyReadings,
    UnsupportedMediaType,
)

_STATUS: dict[type[RequestError], int] = {
    MalformedBody: 400,
    EmptyBatch: 400,
    MethodNotAllowed: 405,
    PayloadTooLarge: 413,
    TooManyReadings: 413,
    UnsupportedMediaType: 415,
    InvalidReadings: 422,
}
RETRY_AFTER_SECONDS = 5


def json_response(
    status: int, reply: StoredReply | ErrorReply, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(reply.to_body(), separators=(",", ":")),
        "isBase64Encoded": False,
    }


def stored(count: int) -> dict[str, Any]:
    return json_response(200, StoredReply(stored=count))


def request_error(err: RequestError) -> dict[str, Any]:
    status = _STATUS.get(type(err), 400)
    headers = {"Allow": "POST"} if isinstance(err, MethodNotAllowed) else None
    reply = ErrorReply(error=err.code, message=err.message, **err.details)
    return json_response(status, reply, headers)


def unavailable(err: StoreUnavailable, indices: list[int]) -> dict[str, Any]:
    # Generic on purpose: DynamoDB's own message stays in our logs, not in the response.
    reply = ErrorReply(
        error="service_unavailable",
        message="the readings could not all be stored; send them again",
        stored=[indices[position] for position in err.stored],
    )
    return json_response(503, reply, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def internal_error() -> dict[str, Any]:
    reply = ErrorReply(error="internal_error", message="unexpected error; nothing more is known")
    return json_response(500, reply)
