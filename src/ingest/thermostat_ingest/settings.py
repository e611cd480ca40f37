"""The ingest function's settings, from its environment (see infra/template.yaml)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from thermostat.api import MAX_BODY_BYTES, MAX_READINGS_PER_REQUEST
from thermostat.contract import DEVICE_ID_PATTERN, LegacyDefaults, LegacyUnit, ZoneName
from thermostat.settings import EnvironmentSettings
from thermostat_ingest.ratelimit import DeviceRateLimit


class IngestSettings(EnvironmentSettings):
    default_device_id: str = Field(default="default", pattern=DEVICE_ID_PATTERN)
    legacy_temperature_unit: LegacyUnit = "F"
    legacy_timezone: ZoneName = "UTC"
    reading_retention_days: int = Field(default=365, ge=0)
    # The stack's name: device identities live under /thermostat/<stack>/device/<id>/ (IAM
    # path), and a device may write only its own readings. Unset: no device binding.
    stack_name: str | None = None
    max_readings_per_request: int = Field(default=MAX_READINGS_PER_REQUEST, ge=1, le=5000)
    max_body_bytes: int = Field(default=MAX_BODY_BYTES, ge=1024)
    # BatchWriteItem rounds for UnprocessedItems, and botocore's own attempts per call.
    write_rounds: int = Field(default=6, ge=1)
    dynamodb_max_attempts: int = Field(default=3, ge=1)
    # Per device and execution environment (see ratelimit.py); 0 turns the limit off.
    device_readings_per_minute: float = Field(default=60, ge=0)
    device_readings_burst: int = Field(default=MAX_READINGS_PER_REQUEST, ge=1)

    @model_validator(mode="after")
    def _burst_fits_a_request(self) -> Self:
        # A request larger than the burst could never pass: it would be refused for ever.
        if self.device_readings_burst < self.max_readings_per_request:
            raise ValueError(
                "DEVICE_READINGS_BURST must be at least MAX_READINGS_PER_REQUEST"
                f" ({self.max_readings_per_request})"
            )
        return self

    def rate_limit(self) -> DeviceRateLimit | None:
        if self.device_readings_per_minute == 0:
            return None
        return DeviceRateLimit(
            per_minute=self.device_readings_per_minute, burst=self.device_readings_burst
        )

    @property
    def legacy_defaults(self) -> LegacyDefaults:
        return LegacyDefaults(
            device_id=self.default_device_id,
            unit=self.legacy_temperature_unit,
            timezone=self.legacy_timezone,
        )
