"""The stream function's settings, from its environment (see infra/template.yaml)."""

from __future__ import annotations

from pydantic import Field

from thermostat.settings import EnvironmentSettings


class StreamSettings(EnvironmentSettings):
    alert_topic_arn: str | None = None
    alert_low_c: float = 12.0
    alert_high_c: float = 30.0
    # An alert clears only once the temperature is this far back inside the band,
    # so a reading hovering on a bound does not page anyone twice.
    alert_hysteresis_c: float = Field(default=0.5, ge=0)
    dynamodb_max_attempts: int = Field(default=3, ge=1)
    # Readings older than this may have expired: their hours are merged into, never
    # recomputed (0: readings are kept for ever).
    reading_retention_days: int = Field(default=365, ge=0)
    alert_retention_days: int = Field(default=90, ge=0)
    heating_fault_after_minutes: float = Field(default=45, gt=0)
    heating_fault_min_rise_c: float = Field(default=0.5, ge=0)
    device_silent_after_minutes: float = Field(default=15, gt=0)
