"""HTTP responses of the ingest function: the one place errors become replies."""

from __future__ import annotations

import json
from typing import Any

from thermostat.api import ErrorReply, ItemProblems, Problem, StoredReply
from thermostat.device_settings import DeviceSettings
from thermostat_ingest.errors import MethodNotAllowed, RateLimited, RequestError
from thermostat_ingest.store import PutOutcome

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


def stored(count: int, settings: DeviceSettings | None = None) -> dict[str, Any]:
    reply = StoredReply(
        stored=count, settings=None if settings is None else settings.model_dump(mode="json")
    )
    return json_response(200, reply)


def request_error(err: RequestError) -> dict[str, Any]:
    headers = None
    if isinstance(err, MethodNotAllowed):
        headers = {"Allow": "POST"}
    elif isinstance(err, RateLimited):
        headers = {"Retry-After": str(err.retry_after_s)}
    reply = ErrorReply(error=err.code, message=err.message, **err.details)
    return json_response(err.status, reply, headers)


def conflict(outcome: PutOutcome, indices: list[int]) -> dict[str, Any]:
    """409: the other readings are stored; these conflict with what is, and stay as they are."""
    items = []
    for conflict in outcome.conflicts:
        if conflict.stored is None:
            message = "an item that is not a valid reading is stored at this device and time"
        else:
            old = conflict.stored.reading
            message = (
                "a reading of this device at this time is already stored with other values"
                f" ({old.temperature_c} C, setpoint {old.setpoint_c} C, heating"
                f" {'on' if old.heating else 'off'}); stored readings are never overwritten"
            )
        items.append(
            ItemProblems(
                index=indices[conflict.index],
                errors=[Problem(loc="recorded_at", msg=message)],
            )
        )
    reply = ErrorReply(
        error="conflict",
        message=f"{len(items)} reading(s) conflict with stored ones; the others are stored",
        stored=[indices[position] for position in outcome.stored],
        items=items,
    )
    return json_response(409, reply)


def unavailable(stored: list[int], indices: list[int]) -> dict[str, Any]:
    # Generic on purpose: DynamoDB's own message stays in our logs, not in the response.
    reply = ErrorReply(
        error="service_unavailable",
        message="the readings could not all be stored; send them again",
        stored=[indices[position] for position in stored],
    )
    return json_response(503, reply, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def internal_error() -> dict[str, Any]:
    reply = ErrorReply(error="internal_error", message="unexpected error; nothing more is known")
    return json_response(500, reply)
