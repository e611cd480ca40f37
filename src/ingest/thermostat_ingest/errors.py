"""What the ingest function refuses, and why: each refusal's code and the HTTP status it is
answered with (``thermostat.api`` says what each status means to the Pi; responses.py builds
the reply)."""

from __future__ import annotations

from typing import Any

from thermostat.errors import ThermostatError


class RequestError(ThermostatError, ValueError):
    """A request the ingest function refuses; ``code`` is the machine-readable reason."""

    code = "bad_request"
    status = 400

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class MethodNotAllowed(RequestError):
    code = "method_not_allowed"
    status = 405


class UnsupportedMediaType(RequestError):
    code = "unsupported_media_type"
    status = 415


class MalformedBody(RequestError):
    code = "malformed_json"


class PayloadTooLarge(RequestError):
    code = "payload_too_large"
    status = 413


class TooManyReadings(RequestError):
    code = "too_many_readings"
    status = 413


class EmptyBatch(RequestError):
    code = "empty_batch"


class InvalidReadings(RequestError):
    code = "invalid_readings"
    status = 422


class DeviceMismatch(RequestError):
    """A device's key sent readings of another device."""

    code = "device_mismatch"
    status = 403


class RateLimited(RequestError):
    """The device sent more readings than its rate allows; nothing was stored."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class StoreUnavailable(ThermostatError, ConnectionError):
    """DynamoDB did not take every reading; ``stored`` lists the indices that it did take."""

    def __init__(self, message: str, *, stored: list[int]) -> None:
        super().__init__(message)
        self.stored = stored
