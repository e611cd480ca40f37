"""What the ingest function refuses, and why; HTTP statuses are mapped in responses.py only."""

from __future__ import annotations

from typing import Any

from thermostat.errors import ThermostatError


class RequestError(ThermostatError, ValueError):
    """A request the ingest function refuses; ``code`` is the machine-readable reason."""

    code = "bad_request"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class MethodNotAllowed(RequestError):
    code = "method_not_allowed"


class UnsupportedMediaType(RequestError):
    code = "unsupported_media_type"


class MalformedBody(RequestError):
    code = "malformed_json"


class PayloadTooLarge(RequestError):
    code = "payload_too_large"


class TooManyReadings(RequestError):
    code = "too_many_readings"


class EmptyBatch(RequestError):
    code = "empty_batch"


class InvalidReadings(RequestError):
    code = "invalid_readings"


class DeviceMismatch(RequestError):
    """A device's key sent readings of another device."""

    code = "device_mismatch"


class RateLimited(RequestError):
    """The device sent more readings than its rate allows; nothing was stored."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class StoreUnavailable(ThermostatError, ConnectionError):
    """DynamoDB did not take every reading; ``stored`` lists the indices that it did take."""

    def __init__(self, message: str, *, stored: list[int]) -> None:
        super().__init__(message)
        self.stored = stored
