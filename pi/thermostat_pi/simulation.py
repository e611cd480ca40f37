"""The one simulator: the Pi's own control loop, with a simulated house, sensor and furnace.

``thermostat-pi run --simulate`` (and so ``make dev``) runs it on the real clock; the demo
data and the tests run it on a :class:`VirtualClock` over whole days. Only the hardware is
simulated: the heating decisions are :class:`~thermostat_pi.control.Thermostat`'s.

The house is two heat stores: a radiator that heads for its flow temperature while the
furnace burns (or cools to the room), and a room that takes a share of the difference to the
radiator and loses a share of the difference to outside, whose temperature follows a clear
winter day. Integrated in fixed steps of ``STEP_S``, so any read interval gives the same
curve. The DS18B20 reports in 1/16 C steps, with a little noise.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from thermostat.contract import Reading
from thermostat_pi.control import Thermostat

DS18B20_STEP_C = 0.0625
STEP_S = 10.0
RADIATOR_HOT_C = 50.0
RADIATOR_TIME_CONSTANT_S = 240.0
RADIATOR_TO_ROOM_PER_S = 0.006 / 60
ROOM_TO_OUTSIDE_PER_S = 0.003 / 60


def winter_day_outside_c(local: datetime) -> float:
    """A clear winter day: coldest before dawn (-2 C), warmest mid-afternoon (6 C)."""
    hours = local.hour + local.minute / 60 + local.second / 3600
    return 2.0 + 4.0 * math.sin(2 * math.pi * (hours - 9.0) / 24.0)


class VirtualClock:
    """Wall and monotonic time that only move when told to (for whole simulated days)."""

    def __init__(self, start: datetime) -> None:
        self._start = start.astimezone(UTC)
        self._elapsed = 0.0

    def monotonic(self) -> float:
        return self._elapsed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def advance(self, seconds: float) -> None:
        self._elapsed += seconds


class SimulatedFurnace:
    """The relay and what it switches. ``broken``: it clicks, but nothing heats."""

    def __init__(self) -> None:
        self._on = False
        self.broken = False

    @property
    def is_active(self) -> bool:
        return self._on

    @property
    def heating(self) -> bool:
        """Whether heat actually reaches the radiator."""
        return self._on and not self.broken

    def on(self) -> None:
        self._on = True

    def off(self) -> None:
        self._on = False

    def close(self) -> None:
        self._on = False


class SimulatedHouse:
    """The room as a DS18B20 sees it (a :class:`~thermostat_pi.sensor.TemperatureSensor`)."""

    def __init__(
        self,
        *,
        furnace: SimulatedFurnace,
        monotonic: Callable[[], float],
        now: Callable[[], datetime],
        tz: tzinfo = UTC,
        start_c: float = 17.4,
        outside_c: Callable[[datetime], float] = winter_day_outside_c,
        noise_c: float = 0.03,
        seed: int | None = None,
    ) -> None:
        self.furnace = furnace
        self._monotonic, self._tz = monotonic, tz
        self._outside = outside_c
        self._noise = noise_c
        self._rng = random.Random(seed)  # noqa: S311 - reproducible noise, not secrets
        self.room_c = self.radiator_c = start_c
        self._last = monotonic()
        self._pending_s = 0.0
        self._grid_time = now()  # the wall time the model has reached

    def _advance(self) -> None:
        now = self._monotonic()
        self._pending_s += max(0.0, now - self._last)
        self._last = now
        # Whole steps on a fixed grid: the curve does not depend on how often it is read.
        while self._pending_s >= STEP_S:
            self._pending_s -= STEP_S
            self._grid_time += timedelta(seconds=STEP_S)
            outside = self._outside(self._grid_time.astimezone(self._tz))
            step = STEP_S
            target = RADIATOR_HOT_C if self.furnace.heating else self.room_c
            self.radiator_c += step * (target - self.radiator_c) / RADIATOR_TIME_CONSTANT_S
            self.room_c += step * RADIATOR_TO_ROOM_PER_S * (self.radiator_c - self.room_c)
            self.room_c -= step * ROOM_TO_OUTSIDE_PER_S * (self.room_c - outside)

    def read_celsius(self) -> float:
        self._advance()
        measured = self.room_c + self._rng.gauss(0, self._noise)
        return round(measured / DS18B20_STEP_C) * DS18B20_STEP_C


@dataclass(frozen=True)
class SimulatedPi:
    """A whole simulated thermostat: the control loop, the house and the furnace."""

    thermostat: Thermostat
    house: SimulatedHouse
    furnace: SimulatedFurnace


def simulated_pi(
    *,
    monotonic: Callable[[], float],
    now: Callable[[], datetime],
    setpoint_c: float,
    hysteresis_c: float = 0.5,
    min_cycle_s: float = 300.0,
    tz: tzinfo = UTC,
    seed: int | None = None,
) -> SimulatedPi:
    furnace = SimulatedFurnace()
    house = SimulatedHouse(furnace=furnace, monotonic=monotonic, now=now, tz=tz, seed=seed)
    thermostat = Thermostat(
        sensor=house,
        relay=furnace,
        setpoint_c=setpoint_c,
        hysteresis_c=hysteresis_c,
        min_on_s=min_cycle_s,
        min_off_s=min_cycle_s,
        clock=monotonic,
    )
    return SimulatedPi(thermostat, house, furnace)


def simulate_readings(
    device_id: str,
    start: datetime,
    end: datetime,
    *,
    interval: timedelta,
    setpoint_at: Callable[[datetime], float],
    tz: tzinfo = UTC,
    seed: int = 1,
    hysteresis_c: float = 0.5,
    min_cycle_s: float = 300.0,
) -> list[Reading]:
    """One reading per ``interval`` from ``start`` (included) to ``end`` (excluded), on a
    virtual clock: the readings a Pi in a simulated house would have taken, reproducibly."""
    clock = VirtualClock(start)
    pi = simulated_pi(
        monotonic=clock.monotonic,
        now=clock.now,
        setpoint_c=setpoint_at(start),
        hysteresis_c=hysteresis_c,
        min_cycle_s=min_cycle_s,
        tz=tz,
        seed=seed,
    )
    step = interval.total_seconds()
    readings = []
    while clock.now() < end:
        moment = clock.now()
        setpoint = pi.thermostat.setpoint_c = setpoint_at(moment)
        decided = pi.thermostat.step()
        readings.append(
            Reading(
                device_id=device_id,
                recorded_at=moment,
                temperature_c=decided.temperature_c,
                setpoint_c=setpoint,
                heating=decided.heating,
            )
        )
        clock.advance(step)
    return readings
