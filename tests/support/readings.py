"""Readings for tests: one typed reading from the few values a test cares about."""

from __future__ import annotations

from datetime import datetime

from thermostat.contract import Reading


def reading_at(
    at: datetime,
    *,
    device: str = "hall",
    temperature_c: float = 20.0,
    setpoint_c: float = 20.0,
    heating: bool = False,
) -> Reading:
    """A reading of ``device`` taken at ``at``: by default a room at its 20 C setpoint, heat
    off. ``.to_wire()`` gives the JSON object a Pi sends."""
    return Reading(
        device_id=device,
        recorded_at=at,
        temperature_c=temperature_c,
        setpoint_c=setpoint_c,
        heating=heating,
    )
