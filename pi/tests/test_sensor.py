"""DS18B20 over a fake sysfs tree, and the simulated room."""

from __future__ import annotations

from pathlib import Path

import pytest
from pi_fakes import w1_slave_text, write_sensor

from thermostat_pi.errors import SensorError, ThermostatPiError
from thermostat_pi.sensor import DS18B20Sensor


def sensor(base: Path, **kwargs: object) -> tuple[DS18B20Sensor, list[float]]:
    sleeps: list[float] = []
    return DS18B20Sensor(base_dir=base, sleep=sleeps.append, **kwargs), sleeps  # type: ignore[arg-type]


def test_reads_temperature_from_w1_slave(tmp_path: Path) -> None:
    """A good w1_slave file gives its temperature in Celsius."""
    write_sensor(tmp_path, "0316a2795aff", w1_slave_text(21.125))
    reader, sleeps = sensor(tmp_path)
    assert reader.read_celsius() == 21.125
    assert sleeps == []


def test_reads_negative_temperature(tmp_path: Path) -> None:
    """Two's complement raw values below zero decode correctly."""
    write_sensor(tmp_path, "0316a2795aff", w1_slave_text(-10.5))
    assert sensor(tmp_path)[0].read_celsius() == -10.5


def test_named_sensor_is_used_when_several_are_present(tmp_path: Path) -> None:
    """sensor_id (with or without the 28- prefix) picks one of several sensors."""
    write_sensor(tmp_path, "000000000001", w1_slave_text(10.0))
    write_sensor(tmp_path, "000000000002", w1_slave_text(22.5))
    assert sensor(tmp_path, sensor_id="28-000000000002")[0].read_celsius() == 22.5
    assert sensor(tmp_path, sensor_id="000000000001")[0].read_celsius() == 10.0


def test_crc_failure_is_retried_then_reported(tmp_path: Path) -> None:
    """A CRC line ending in NO is retried `attempts` times, then raises SensorError."""
    write_sensor(tmp_path, "0316a2795aff", w1_slave_text(21.0, crc="NO"))
    reader, sleeps = sensor(tmp_path, attempts=3, retry_delay_s=0.5)
    with pytest.raises(SensorError, match=r"not yet ready.*after 3 attempts"):
        reader.read_celsius()
    assert sleeps == [0.5, 0.5]


def test_crc_failure_then_good_read_succeeds(tmp_path: Path) -> None:
    """A transient CRC failure is absorbed by the retry."""
    slave = write_sensor(tmp_path, "0316a2795aff", w1_slave_text(21.0, crc="NO"))
    reader = DS18B20Sensor(
        base_dir=tmp_path, attempts=2, sleep=lambda _: slave.write_text(w1_slave_text(19.5))
    )
    assert reader.read_celsius() == 19.5


def test_power_on_value_85_is_rejected(tmp_path: Path) -> None:
    """85.0 C, the DS18B20 power-on reset value, is an error, not a reading."""
    write_sensor(tmp_path, "0316a2795aff", w1_slave_text(85.0))
    with pytest.raises(SensorError, match="85"):
        sensor(tmp_path)[0].read_celsius()


def test_read_error_value_minus_127_is_rejected(tmp_path: Path) -> None:
    """-127 C (a failed read) is an error; w1thermsensor itself would return it."""
    write_sensor(tmp_path, "0316a2795aff", w1_slave_text(-127.0))
    with pytest.raises(SensorError, match="-127"):
        sensor(tmp_path)[0].read_celsius()


def test_implausible_value_is_rejected(tmp_path: Path) -> None:
    """A value no room can have (70 C) is reported as a sensor fault."""
    write_sensor(tmp_path, "0316a2795aff", w1_slave_text(70.0))
    with pytest.raises(SensorError, match="plausible"):
        sensor(tmp_path)[0].read_celsius()


def test_missing_device_raises_sensor_error(tmp_path: Path) -> None:
    """No 28-* directory: a clear SensorError that names the overlay."""
    with pytest.raises(SensorError, match="dtoverlay=w1-gpio"):
        sensor(tmp_path)[0].read_celsius()


def test_sensor_that_disappears_raises_sensor_error(tmp_path: Path) -> None:
    """A configured sensor that stops answering is reported, never faked."""
    slave = write_sensor(tmp_path, "0316a2795aff", w1_slave_text(20.0))
    reader, _ = sensor(tmp_path, sensor_id="0316a2795aff")
    assert reader.read_celsius() == 20.0
    slave.unlink()
    with pytest.raises(SensorError, match="0316a2795aff"):
        reader.read_celsius()


def test_truncated_w1_slave_raises_sensor_error(tmp_path: Path) -> None:
    """A half-written w1_slave file (one line) is a SensorError, not an IndexError."""
    write_sensor(tmp_path, "0316a2795aff", w1_slave_text(20.0).splitlines()[0] + "\n")
    with pytest.raises(SensorError, match="unreadable"):
        sensor(tmp_path)[0].read_celsius()


def test_sensor_error_is_a_package_error_and_an_oserror() -> None:
    """Callers can catch SensorError as ThermostatPiError or OSError."""
    assert issubclass(SensorError, ThermostatPiError)
    assert issubclass(SensorError, OSError)
