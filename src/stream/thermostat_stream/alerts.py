"""Temperature alerts: a small state machine, so an alert fires once per crossing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from thermostat.contract import Reading

AlertState = Literal["normal", "low", "high"]
ALERT_STATES: tuple[AlertState, ...] = ("normal", "low", "high")


def alert_state(stored: str) -> AlertState:
    """A stored alert state; one this version does not know counts as normal."""
    for state in ALERT_STATES:
        if stored == state:
            return state
    return "normal"


@dataclass(frozen=True)
class AlertBounds:
    low_c: float
    high_c: float
    hysteresis_c: float = 0.5


@dataclass(frozen=True)
class AlertTransition:
    device_id: str
    previous: AlertState
    current: AlertState
    reading: Reading

    @property
    def subject(self) -> str:
        what = {"low": "too cold", "high": "too hot", "normal": "back to normal"}[self.current]
        return f"Thermostat {self.device_id}: {what} ({self.reading.temperature_c:.1f} C)"


def next_state(state: AlertState, temperature_c: float, bounds: AlertBounds) -> AlertState:
    """The alert state after one reading; leaving an alert needs the hysteresis margin."""
    if temperature_c < bounds.low_c:
        return "low"
    if temperature_c > bounds.high_c:
        return "high"
    if state == "low" and temperature_c < bounds.low_c + bounds.hysteresis_c:
        return "low"
    if state == "high" and temperature_c > bounds.high_c - bounds.hysteresis_c:
        return "high"
    return "normal"


def transitions(
    state: AlertState, readings: list[Reading], bounds: AlertBounds
) -> tuple[AlertState, list[AlertTransition]]:
    """Walk readings in time order; return the final state and every change of state."""
    changes = []
    for reading in sorted(readings, key=lambda r: r.recorded_at):
        new_state = next_state(state, reading.temperature_c, bounds)
        if new_state != state:
            changes.append(AlertTransition(reading.device_id, state, new_state, reading))
            state = new_state
    return state, changes
