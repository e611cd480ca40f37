"""The one simulator: the Pi's control loop in a simulated house, on a virtual clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from thermostat_pi.simulation import (
    SimulatedFurnace,
    SimulatedHouse,
    VirtualClock,
    simulate_readings,
    simulated_pi,
)

START = datetime(2025, 12, 1, tzinfo=UTC)


def house(furnace: SimulatedFurnace, clock: VirtualClock) -> SimulatedHouse:
    return SimulatedHouse(
        furnace=furnace, monotonic=clock.monotonic, now=clock.now, start_c=17.0, noise_c=0
    )


def test_room_warms_while_the_furnace_burns() -> None:
    """With the furnace on for an hour the room is warmer."""
    clock, furnace = VirtualClock(START), SimulatedFurnace()
    room = house(furnace, clock)
    furnace.on()
    clock.advance(3600)
    assert room.read_celsius() > 18.0


def test_room_cools_toward_outside_when_off() -> None:
    """With the furnace off the room cools toward, never below, the coldest outside (-2 C)."""
    clock, furnace = VirtualClock(START), SimulatedFurnace()
    room = house(furnace, clock)
    clock.advance(3600)
    first = room.read_celsius()
    clock.advance(100 * 3600)
    assert -2.0 <= room.read_celsius() < first < 17.0


def test_a_broken_furnace_clicks_but_does_not_heat() -> None:
    """furnace.broken: the relay is on, the room still cools (issue: heating fault alerts)."""
    clock, furnace = VirtualClock(START), SimulatedFurnace()
    room = house(furnace, clock)
    furnace.broken = True
    furnace.on()
    clock.advance(3600)
    assert furnace.is_active and room.read_celsius() < 17.0


def test_the_same_curve_whatever_the_read_interval() -> None:
    """Reading every 5 s or once an hour ends at the same temperature (integration steps)."""
    ends = []
    for interval in (5, 3600):
        clock, furnace = VirtualClock(START), SimulatedFurnace()
        room = house(furnace, clock)
        furnace.on()
        for _ in range(3600 // interval):
            clock.advance(interval)
            last = room.read_celsius()
        ends.append(last)
    assert ends[0] == ends[1]


def test_the_control_loop_decides_the_relay() -> None:
    """The simulated Pi heats below the band and stops above it, as the real Thermostat does."""
    clock = VirtualClock(START)
    pi = simulated_pi(
        monotonic=clock.monotonic, now=clock.now, setpoint_c=21.0, min_cycle_s=0, seed=3
    )
    states = []
    for _ in range(6 * 60):
        clock.advance(60)
        states.append(pi.thermostat.step().heating)
    assert states[0] is True  # 17.4 C is far below 21 C
    assert False in states[60:]  # it reached the band and stopped


def test_simulated_readings_are_reproducible_by_seed() -> None:
    """The same seed gives the same readings; another seed another noise."""

    def day(seed: int) -> list[float]:
        readings = simulate_readings(
            "d",
            START,
            START + timedelta(hours=6),
            interval=timedelta(minutes=10),
            setpoint_at=lambda _moment: 20.0,
            seed=seed,
        )
        return [r.temperature_c for r in readings]

    assert day(1) == day(1)
    assert day(1) != day(2)
    assert len(day(1)) == 36
