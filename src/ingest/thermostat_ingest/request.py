"""Turn a Function URL event (payload format 2.0) into validated readings, or a RequestError.

Everything the caller can get wrong is decided here, before anything is written.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from thermostat.api import DeviceReportWire
from thermostat.contract import (
    LegacyDefaults,
    Reading,
    ReadingError,
    describe_validation_error,
    parse_reading,
)
from thermostat.identities import device_of_user_arn
from thermostat.items import DeviceReport
from thermostat_ingest.errors import (
    DeviceMismatch,
    EmptyBatch,
    InvalidReadings,
    MalformedBody,
    MethodNotAllowed,
    PayloadTooLarge,
    TooManyReadings,
    UnsupportedMediaType,
)

JSON_MEDIA_TYPES = ("application/json",)


@dataclass(frozen=True)
class IngestRequest:
    readings: list[Reading]
    # Index in the request of each reading kept (exact duplicates are dropped).
    indices: list[int]
    caller: str | None
    device: str | None = None  # the device the caller is, when it is one
    report: DeviceReport | None = None
    caller_key: str | None = None


def _header(event: dict[str, Any], name: str) -> str | None:
    headers = event.get("headers") or {}
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == name:
            return str(value)
    return None


def _check_method(event: dict[str, Any]) -> None:
    method = ((event.get("requestContext") or {}).get("http") or {}).get("method")
    if method != "POST":
        raise MethodNotAllowed(f"use POST to send readings, not {method or 'an unknown method'}")


def _check_content_type(event: dict[str, Any]) -> None:
    content_type = _header(event, "content-type")
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in JSON_MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"send Content-Type: application/json (got {content_type or 'no Content-Type'})"
        )


def _body_bytes(event: dict[str, Any], max_body_bytes: int) -> bytes:
    body = event.get("body")
    if body is None or body == "":
        raise MalformedBody("the request has no body; send a reading as JSON")
    if not isinstance(body, str):
        raise MalformedBody("the request body is not text")
    # Base64 inflates by 4/3: refuse early without decoding a huge body.
    if len(body) > max_body_bytes * 4 // 3 + 4:
        raise PayloadTooLarge(f"the body is larger than {max_body_bytes} bytes")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as err:
            raise MalformedBody("the body is marked base64 but does not decode") from err
    else:
        raw = body.encode("utf-8", "surrogatepass")
    if len(raw) > max_body_bytes:
        raise PayloadTooLarge(f"the body is larger than {max_body_bytes} bytes")
    return raw


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # RFC 8259 leaves duplicate names to the parser; Python keeps the last one silently, so
    # {"temperature_c": 20, "temperature_c": 99} would mean whatever a proxy did not see.
    document: dict[str, Any] = {}
    for name, value in pairs:
        if name in document:
            raise MalformedBody(f"the body has the key {name!r} twice in one object")
        document[name] = value
    return document


def _parse_json(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise MalformedBody(f"the body is not UTF-8 (byte {err.start})") from err
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as err:
        raise MalformedBody(
            f"the body is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from err
    except (ValueError, RecursionError) as err:
        # Numbers with more digits than Python converts, NaN, or absurd nesting.
        raise MalformedBody(f"the body is not usable JSON: {err}") from err


BATCH_KEYS = {"readings", "device"}


def _report(document: Any) -> DeviceReport | None:
    """The batch's ``device`` object (what the device says about itself), validated."""
    if not isinstance(document, dict) or "device" not in document:
        return None
    try:
        wire = DeviceReportWire.model_validate(document["device"])
    except ValidationError as err:
        raise InvalidReadings(
            "the batch's 'device' object is not valid",
            details={
                "items": [
                    {"index": None, "errors": describe_validation_error(err, prefix="device.")}
                ]
            },
        ) from err
    return DeviceReport(wire.settings_version, wire.settings_error, wire.software)


def _items(document: Any, max_readings: int) -> list[Any]:
    if isinstance(document, dict) and "readings" in document:
        if not set(document) <= BATCH_KEYS:
            extra = sorted(set(document) - BATCH_KEYS)
            raise InvalidReadings(
                "a batch object has only 'readings' and 'device' keys",
                details={
                    "items": [
                        {"index": None, "errors": [{"loc": k, "msg": "extra key"}]} for k in extra
                    ]
                },
            )
        items = document["readings"]
        if not isinstance(items, list):
            raise MalformedBody("'readings' must be a JSON array of readings")
    elif isinstance(document, list):
        items = document
    elif isinstance(document, dict):
        items = [document]
    else:
        raise MalformedBody("send a reading object, an array of readings, or {'readings': [...]}")
    if not items:
        raise EmptyBatch("the batch has no readings")
    if len(items) > max_readings:
        raise TooManyReadings(
            f"{len(items)} readings in one request; the maximum is {max_readings}",
            details={"maximum": max_readings},
        )
    return items


def _validate(
    items: list[Any], defaults: LegacyDefaults, oldest: datetime | None
) -> tuple[list[Reading], list[int]]:
    readings: list[Reading] = []
    indices: list[int] = []
    seen: dict[tuple[str, str], tuple[int, Reading]] = {}
    failures: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            reading = parse_reading(item, defaults=defaults)
        except ReadingError as err:
            failures.append({"index": index, "errors": err.errors})
            continue
        if oldest is not None and reading.recorded_at < oldest:
            # Its hour's readings may have expired already: a rollup rebuilt from what is left
            # would shrink. Older than retention is history the table no longer keeps.
            field = "record_date" if "record_date" in item else "recorded_at"
            message = f"{field} is older than the retention period (before {oldest:%Y-%m-%d})"
            failures.append({"index": index, "errors": [{"loc": field, "msg": message}]})
            continue
        key = (reading.device_id, reading.timestamp)
        if key in seen:
            first_index, first = seen[key]
            if first != reading:
                message = f"reading {first_index} has the same device and time, other values"
                failures.append(
                    {"index": index, "errors": [{"loc": "recorded_at", "msg": message}]}
                )
            continue  # an exact repeat is the same item: store it once
        seen[key] = (index, reading)
        readings.append(reading)
        indices.append(index)
    if failures:
        raise InvalidReadings(
            f"{len(failures)} of {len(items)} readings are invalid; nothing was stored",
            details={"items": failures},
        )
    return readings, indices


def _iam(event: dict[str, Any]) -> dict[str, Any]:
    iam = ((event.get("requestContext") or {}).get("authorizer") or {}).get("iam") or {}
    return iam if isinstance(iam, dict) else {}


def _caller(event: dict[str, Any]) -> str | None:
    iam = _iam(event)
    caller = iam.get("userArn") or iam.get("callerId")
    return str(caller) if caller else None


def _caller_key(event: dict[str, Any]) -> str | None:
    key = _iam(event).get("accessKey")
    return str(key) if key else None


def _check_device(readings: list[Reading], indices: list[int], device: str) -> None:
    """A device identity speaks only for itself: anything else refuses the whole request."""
    wrong = [
        {
            "index": index,
            "errors": [
                {
                    "loc": "device_id",
                    "msg": f"this key belongs to device {device!r}, not {reading.device_id!r}",
                }
            ],
        }
        for reading, index in zip(readings, indices, strict=True)
        if reading.device_id != device
    ]
    if wrong:
        raise DeviceMismatch(
            f"the key of device {device!r} may send only its own readings; nothing was stored",
            details={"items": wrong},
        )


def parse_request(
    event: dict[str, Any],
    *,
    defaults: LegacyDefaults,
    max_readings: int,
    max_body_bytes: int,
    oldest: datetime | None = None,
    stack: str | None = None,
) -> IngestRequest:
    """Validate the whole request; raise a RequestError subclass naming the first problem.

    ``oldest``: readings taken before it are refused (the retention period; None: no limit).
    ``stack``: the stack's name, which device identities are named under (see
    thermostat.identities); a caller that is a device may write only its own readings, and a
    v1 payload (which names no device) is stored under the caller's device.
    """
    _check_method(event)
    _check_content_type(event)
    document = _parse_json(_body_bytes(event, max_body_bytes))
    caller = _caller(event)
    device = device_of_user_arn(caller, stack) if stack else None
    if device is not None:
        defaults = replace(defaults, device_id=device)
    readings, indices = _validate(_items(document, max_readings), defaults, oldest)
    if device is not None:
        _check_device(readings, indices, device)
    return IngestRequest(
        readings=readings,
        indices=indices,
        caller=caller,
        device=device,
        report=_report(document),
        caller_key=_caller_key(event),
    )
