"""Temperature alerts: a small state machine, so an alert fires once per crossing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from thermostat.contract import Reading
from thermostat.items import AlertItem

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
        return f"{self.device_id}: {what} ({self.reading.temperature_c:.1f} C)"


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
    """Walk readings in the order given (the caller's: received, then taken); return the
    final state and every change of state."""
    changes = []
    for reading in readings:
        new_state = next_state(state, reading.temperature_c, bounds)
        if new_state != state:
            changes.append(AlertTransition(reading.device_id, state, new_state, reading))
            state = new_state
    return state, changes


_CHECK = {
    "low": "Check that the heating is on and working, and that no window is open.",
    "high": "Check the setpoint, and that the relay is not stuck on.",
    "normal": "Nothing to do.",
}
KINDS = {"low": "temperature_low", "high": "temperature_high", "normal": "temperature_normal"}


def describe(transition: AlertTransition) -> AlertItem:
    """The alert for one transition: a subject and body for people, the facts for machines."""
    r = transition.reading
    heating = "on" if r.heating else "off"
    message = "\n".join(
        [
            transition.subject + ".",
            f"Reading taken {r.timestamp}: {r.temperature_c:.1f} C, setpoint"
            f" {r.setpoint_c:.1f} C, heating {heating}.",
            f"Alert state: {transition.previous} -> {transition.current}.",
            _CHECK[transition.current],
        ]
    )
    return AlertItem(
        device_id=transition.device_id,
        occurred_at=r.recorded_at,
        kind=KINDS[transition.current],
        subject=transition.subject,
        message=message,
        facts={
            "device_id": transition.device_id,
            "alert": transition.current,
            "previous": transition.previous,
            "temperature_c": r.temperature_c,
            "setpoint_c": r.setpoint_c,
            "heating": r.heating,
            "recorded_at": r.timestamp,
        },
    )
