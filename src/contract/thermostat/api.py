"""The ingest API's contract: request limits and reply bodies.

The ingest function builds these replies and the Pi parses them with the same models, so a
reply either matches the contract or acknowledges nothing (a captive portal's 200, a proxy's
HTML, ``{"stored": true}`` from a wrong URL).

Every reply body is JSON. What a sender does with each status:

- 200 :class:`StoredReply` ``{"stored": n}``: every reading sent is stored; delete them.
- 400, 405, 415 :class:`ErrorReply`: a client bug; keep the readings, say so.
- 403 :class:`ErrorReply` ``error="device_mismatch"`` (or AWS's ``{"Message":
  "Forbidden"}`` before the function): keys or device id are wrong; keep the readings.
- 409 :class:`ErrorReply` ``error="conflict"``: the ``stored`` indices are stored (delete
  them); the ``items`` indices conflict with a stored reading of the same device and time
  (dead-letter them, never resend).
- 413 :class:`ErrorReply` with ``maximum``: split the batch.
- 422 :class:`ErrorReply` with ``items``: nothing stored; dead-letter the ``items``
  indices, resend the rest.
- 429 :class:`ErrorReply` ``error="rate_limited"`` and ``Retry-After``: nothing stored.
- 503 :class:`ErrorReply` with ``stored`` and ``Retry-After``: delete the ``stored``
  indices, wait, resend the rest.

An :class:`ErrorReply` names readings by their index in the request: ``items`` lists the
refused ones with their problems, and ``stored`` lists the ones that were stored anyway.
Anything else (another status, a body that does not match) acknowledges nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

# The ingest function's limits: a sender splits its batches to fit them.
MAX_READINGS_PER_REQUEST = 500
MAX_BODY_BYTES = 1024 * 1024

Index = Annotated[StrictInt, Field(ge=0)]


class ReplyError(ValueError):
    """A body that is not a reply of the ingest function."""


class _Reply(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow", defer_build=True)

    @classmethod
    def parse(cls, body: Any) -> Self:
        """The reply, or :class:`ReplyError` if ``body`` (parsed JSON) does not match."""
        try:
            return cls.model_validate(body)
        except ValidationError as err:
            raise ReplyError(f"not a {cls.__name__}: {err.error_count()} problem(s)") from err

    def to_body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class StoredReply(_Reply):
    """200: every reading of the request is stored (an identical resend counts as stored).

    ``settings``: the device's desired settings (a :class:`~thermostat.device_settings.
    DeviceSettings` as JSON), present when they are newer than the version the request said
    the device runs. Left unparsed here: settings a device cannot apply must not make it
    doubt that its readings were stored.
    """

    stored: Annotated[StrictInt, Field(ge=1, le=MAX_READINGS_PER_REQUEST)]
    settings: dict[str, Any] | None = None


class DeviceReportWire(BaseModel):
    """What a device says about itself in a batch: ``{"readings": [...], "device": {...}}``."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    settings_version: Annotated[StrictInt, Field(ge=0)] | None = None
    settings_error: Annotated[StrictStr, Field(max_length=300)] | None = None
    software: Annotated[StrictStr, Field(max_length=64)] | None = None


class Problem(BaseModel):
    """One thing wrong with one field: ``loc`` is the field (dotted), ``msg`` says what."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    loc: StrictStr
    msg: StrictStr


class ItemProblems(BaseModel):
    """The problems of the reading at ``index`` in the request (None: the batch object)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    index: Index | None
    errors: list[Problem]


class ErrorReply(_Reply):
    """Any refusal: a machine-readable ``error`` code and a ``message`` for people."""

    error: StrictStr
    message: StrictStr
    items: list[ItemProblems] | None = None
    stored: list[Index] | None = None
    maximum: StrictInt | None = None
