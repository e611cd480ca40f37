"""The relay under hysteresis and minimum cycle times, on gpiozero's MockFactory."""

from __future__ import annotations

import pytest
from gpiozero import OutputDevice
from gpiozero.pins.mock import MockFactory
from pi_fakes import PIN, FakeClock, ScriptedSensor, make_thermostat, pin_high

from thermostat_pi.control import Thermostat, make_relay
from thermostat_pi.errors import SensorError

MIN_CYCLE_S = 300


def make(relay: OutputDevice, sensor: ScriptedSensor, clock: FakeClock) -> Thermostat:
    return make_thermostat(relay, sensor, clock, min_cycle_s=MIN_CYCLE_S)


def heating(relay: OutputDevice, celsius: float) -> tuple[Thermostat, ScriptedSensor, FakeClock]:
    """GIVEN a thermostat at ``celsius`` that has just switched the heat on (min off passed)."""
    clock = FakeClock()
    sensor = ScriptedSensor(celsius)
    thermostat = make(relay, sensor, clock)
    clock.advance(MIN_CYCLE_S)
    step = thermostat.step()
    assert step.heating and step.switched
    return thermostat, sensor, clock


def test_relay_is_off_at_start(mock_pins: MockFactory, relay: OutputDevice) -> None:
    """A relay left on by a previous run is switched off when the thermostat starts."""
    relay.on()
    make(relay, ScriptedSensor(15.0), FakeClock())
    assert not pin_high(mock_pins)


def test_heat_turns_on_below_the_band(mock_pins: MockFactory, relay: OutputDevice) -> None:
    """Below setpoint - hysteresis/2 (19.5 C) the relay closes once min off has passed."""
    clock = FakeClock()
    thermostat = make(relay, ScriptedSensor(19.4), clock)
    clock.advance(300)
    step = thermostat.step()
    assert step.heating and step.switched
    assert pin_high(mock_pins)


def test_heat_stays_off_inside_the_band(mock_pins: MockFactory, relay: OutputDevice) -> None:
    """19.6 C is inside the band: an idle relay stays off."""
    clock = FakeClock()
    thermostat = make(relay, ScriptedSensor(19.6), clock)
    clock.advance(300)
    assert not thermostat.step().heating
    assert not pin_high(mock_pins)


def test_heat_stays_on_until_the_top_of_the_band(
    mock_pins: MockFactory, relay: OutputDevice
) -> None:
    """Once heating, the relay stays on at 20.4 C and opens at 20.5 C."""
    thermostat, sensor, clock = heating(relay, 19.0)
    clock.advance(300)
    sensor.celsius = 20.4
    assert thermostat.step().heating
    sensor.celsius = 20.5
    assert not thermostat.step().heating
    assert not pin_high(mock_pins)


def test_minimum_off_time_delays_turning_on(mock_pins: MockFactory, relay: OutputDevice) -> None:
    """Cold right after start: the relay waits the minimum off time (start counts)."""
    clock = FakeClock()
    thermostat = make(relay, ScriptedSensor(15.0), clock)
    clock.advance(299)
    assert not thermostat.step().heating
    clock.advance(1)
    assert thermostat.step().heating


def test_minimum_on_time_delays_turning_off(mock_pins: MockFactory, relay: OutputDevice) -> None:
    """Warm 10 s after switching on: the relay stays on until the minimum on time passed."""
    thermostat, sensor, clock = heating(relay, 15.0)
    sensor.celsius = 25.0
    clock.advance(10)
    assert thermostat.step().heating
    assert pin_high(mock_pins)
    clock.advance(290)
    assert not thermostat.step().heating


def test_sensor_failure_turns_heat_off_at_once(mock_pins: MockFactory, relay: OutputDevice) -> None:
    """A failing sensor opens the relay immediately, minimum on time notwithstanding."""
    thermostat, sensor, clock = heating(relay, 15.0)
    sensor.failing = True
    clock.advance(1)
    with pytest.raises(SensorError):
        thermostat.step()
    assert not pin_high(mock_pins)


def test_mode_off_turns_heat_off_at_once_and_keeps_it_off(
    mock_pins: MockFactory, relay: OutputDevice
) -> None:
    """No setpoint (mode off): the relay opens now, minimum on time notwithstanding, and
    stays open however cold it gets."""
    thermostat, sensor, clock = heating(relay, 15.0)
    thermostat.setpoint_c = None
    clock.advance(1)
    step = thermostat.step()
    assert (step.heating, step.switched) == (False, True)
    sensor.celsius = 2.0
    clock.advance(3600)
    assert not thermostat.step().heating
    assert not pin_high(mock_pins)


def test_active_low_relay_drives_pin_low_to_heat(mock_pins: MockFactory) -> None:
    """relay_active_high=False: the pin idles high and goes low when heating."""
    device = make_relay(PIN, active_high=False)
    try:
        thermostat = make_thermostat(device, ScriptedSensor(15.0), FakeClock())
        assert pin_high(mock_pins)
        thermostat.step()
        assert not pin_high(mock_pins)
    finally:
        device.close()


def test_negative_hysteresis_is_refused(relay: OutputDevice) -> None:
    """A negative band is a programming error, raised as ValueError."""
    with pytest.raises(ValueError, match="negative"):
        make_thermostat(relay, ScriptedSensor(20), FakeClock(), hysteresis_c=-1)
