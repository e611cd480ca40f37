"""The control loop's decision: a relay switched by hysteresis around a setpoint.

Hardware comes in as arguments (sensor, relay, clock), so tests drive a real gpiozero
``OutputDevice`` on ``MockFactory`` and a fake clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from thermostat_pi.errors import RelayError, SensorError
from thermostat_pi.sensor import TemperatureSensor


class Relay(Protocol):
    """What the thermostat needs from a relay (gpiozero ``OutputDevice`` has it)."""

    @property
    def is_active(self) -> bool: ...

    def on(self) -> None: ...

    def off(self) -> None: ...


def make_relay(pin: int | str, *, active_high: bool, pin_factory: Any = None) -> Any:
    """A gpiozero relay that is driven off from the moment the pin is claimed."""
    from gpiozero import GPIOZeroError, OutputDevice  # keeps `status` free of GPIO imports

    try:
        return OutputDevice(
            pin, active_high=active_high, initial_value=False, pin_factory=pin_factory
        )
    except GPIOZeroError as err:
        raise RelayError(f"relay on pin {pin!r}: {err}") from err


@dataclass(frozen=True)
class Step:
    temperature_c: float
    heating: bool
    switched: bool


class Thermostat:
    """Heat below ``setpoint - hysteresis/2``, stop at ``setpoint + hysteresis/2``.

    The relay stays in each state at least ``min_on_s`` / ``min_off_s`` (furnaces and
    their igniters wear out when short-cycled), except that turning it *off* for safety
    (sensor failure, shutdown, mode off) is never delayed. ``setpoint_c`` None is mode
    off: the heat stays off whatever the temperature.
    """

    def __init__(
        self,
        *,
        sensor: TemperatureSensor,
        relay: Relay,
        setpoint_c: float | None,
        hysteresis_c: float,
        min_on_s: float,
        min_off_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if hysteresis_c < 0 or min_on_s < 0 or min_off_s < 0:
            raise ValueError("hysteresis and minimum cycle times must not be negative")
        self._sensor = sensor
        self._relay = relay
        self._clock = clock
        self.setpoint_c: float | None = setpoint_c
        self.hysteresis_c = hysteresis_c
        self.min_on_s = min_on_s
        self.min_off_s = min_off_s
        relay.off()
        # Start counts as a switch to off: a service crash-looping under systemd must not
        # turn the furnace on at every restart.
        self._switched_at = clock()

    @property
    def heating(self) -> bool:
        return bool(self._relay.is_active)

    def force_off(self) -> None:
        """Turn the heat off now, whatever the minimum on time says."""
        if self.heating:
            self._switched_at = self._clock()
        self._relay.off()

    def step(self) -> Step:
        """Read the sensor once and switch the relay if needed.

        A sensor failure turns the heat off and is raised: without a temperature the
        only safe state is off.
        """
        try:
            temperature = self._sensor.read_celsius()
        except SensorError:
            self.force_off()
            raise
        if self.setpoint_c is None:
            was_heating = self.heating
            self.force_off()
            return Step(temperature_c=temperature, heating=False, switched=was_heating)
        now = self._clock()
        held = now - self._switched_at
        half_band = self.hysteresis_c / 2
        switched = False
        if self.heating:
            if temperature >= self.setpoint_c + half_band and held >= self.min_on_s:
                self._relay.off()
                switched = True
        elif temperature <= self.setpoint_c - half_band and held >= self.min_off_s:
            self._relay.on()
            switched = True
        if switched:
            self._switched_at = now
        return Step(temperature_c=temperature, heating=self.heating, switched=switched)
