"""The stream image's settings, from the environment (see infra/template.yaml): what both its
functions (the stream function and the health check) share, and what each adds."""

from __future__ import annotations

from pydantic import Field

from thermostat.settings import EnvironmentSettings


class AlertingSettings(EnvironmentSettings):
    """The table, and where and for how long alerts go; when a device counts as silent."""

    alert_topic_arn: str | None = None
    alert_retention_days: int = Field(default=90, ge=0)
    dynamodb_max_attempts: int = Field(default=3, ge=1)
    device_silent_after_minutes: float = Field(default=15, gt=0)


class HealthSettings(AlertingSettings):
    """The health check needs nothing more."""


class StreamSettings(AlertingSettings):
    alert_low_c: float = 12.0
    alert_high_c: float = 30.0
    # An alert clears only once the temperature is this far back inside the band,
    # so a reading hovering on a bound does not page anyone twice.
    alert_hysteresis_c: float = Field(default=0.5, ge=0)
    # Readings older than this may have expired: their hours are merged into, never
    # recomputed (0: readings are kept for ever).
    reading_retention_days: int = Field(default=365, ge=0)
    heating_fault_after_minutes: float = Field(default=45, gt=0)
    heating_fault_min_rise_c: float = Field(default=0.5, ge=0)
