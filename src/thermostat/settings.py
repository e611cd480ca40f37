"""Each function's settings, read from the environment when the handler first runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from thermostat.contract import DEVICE_ID_PATTERN, LegacyDefaults, LegacyUnit
from thermostat.errors import ConfigurationError

MAX_READINGS_PER_REQUEST = 500
MAX_BODY_BYTES = 1024 * 1024


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    # Names are the environment variables, lower-cased.
    table_name: str = Field(min_length=3, max_length=255)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Self:
        values = {key.lower(): value for key, value in environ.items() if value != ""}
        try:
            return cls.model_validate(values)
        except ValidationError as err:
            problems = ", ".join(
                f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in err.errors()
            )
            raise ConfigurationError(f"invalid function configuration: {problems}") from err


class IngestSettings(_Settings):
    default_device_id: str = Field(default="default", pattern=DEVICE_ID_PATTERN)
    legacy_temperature_unit: LegacyUnit = "F"
    legacy_timezone: str = "UTC"
    reading_retention_days: int = Field(default=365, ge=0)
    max_readings_per_request: int = Field(default=MAX_READINGS_PER_REQUEST, ge=1, le=5000)
    max_body_bytes: int = Field(default=MAX_BODY_BYTES, ge=1024)
    # BatchWriteItem rounds for UnprocessedItems, and botocore's own attempts per call.
    write_rounds: int = Field(default=6, ge=1)
    dynamodb_max_attempts: int = Field(default=3, ge=1)

    @field_validator("legacy_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {value!r}") from err
        return value

    @property
    def legacy_defaults(self) -> LegacyDefaults:
        return LegacyDefaults(
            device_id=self.default_device_id,
            unit=self.legacy_temperature_unit,
            timezone=self.legacy_timezone,
        )


class StreamSettings(_Settings):
    alert_topic_arn: str | None = None
    alert_low_c: float = 12.0
    alert_high_c: float = 30.0
    # An alert clears only once the temperature is this far back inside the band,
    # so a reading hovering on a bound does not page anyone twice.
    alert_hysteresis_c: float = Field(default=0.5, ge=0)
    dynamodb_max_attempts: int = Field(default=3, ge=1)
