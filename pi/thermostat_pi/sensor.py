"""Temperature sources: a DS18B20 on the 1-wire bus, and a simulated room for development.

The DS18B20 is read through ``w1thermsensor``, which already rejects a ``w1_slave`` file
whose CRC line does not end in ``YES``, an all-zero scratchpad, and the 85.0 C power-on
value. It does not reject -127 C (what several drivers report for a sensor that did not
answer), a truncated file, or values no room can have: that is done here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from thermostat.contract import (
    DS18B20_POWER_ON_C,
    DS18B20_READ_ERROR_C,
    TEMPERATURE_MAX_C,
    TEMPERATURE_MIN_C,
)
from thermostat_pi.errors import SensorError

W1_DEVICES_DIR = Path("/sys/bus/w1/devices")
DS18B20_FAMILY = "28"
# A DS18B20 reports in steps of 1/16 C at its default 12-bit resolution.
DS18B20_STEP_C = 0.0625


class TemperatureSensor(Protocol):
    def read_celsius(self) -> float:
        """Return the current temperature or raise :class:`SensorError`."""
        ...


def _w1thermsensor() -> Any:
    # Importing w1thermsensor runs `modprobe` (needs root) and, on a machine without a
    # 1-wire bus, waits a second and raises. The dtoverlay=w1-gpio line in config.txt
    # loads the modules at boot, so the service never needs that side effect.
    os.environ.setdefault("W1THERMSENSOR_NO_KERNEL_MODULE", "1")
    import w1thermsensor  # deferred on purpose, see above

    return w1thermsensor


def check_plausible(value: float) -> float:
    """Reject the DS18B20 sentinel values and anything a home cannot measure."""
    if value == DS18B20_POWER_ON_C:
        raise SensorError("sensor returned 85.0 C, its power-on value: check the sensor's power")
    if value == DS18B20_READ_ERROR_C:
        raise SensorError("sensor returned -127 C, the value for a failed read: check wiring")
    if not TEMPERATURE_MIN_C <= value <= TEMPERATURE_MAX_C:
        raise SensorError(f"sensor returned {value} C, outside any plausible room temperature")
    return value


class DS18B20Sensor:
    """A DS18B20 under ``base_dir`` (``/sys/bus/w1/devices``), read with retries."""

    def __init__(
        self,
        *,
        base_dir: Path = W1_DEVICES_DIR,
        sensor_id: str | None = None,
        attempts: int = 3,
        retry_delay_s: float = 0.75,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.base_dir = Path(base_dir)
        # Accept "28-0316a2795aff" as printed by `ls` or the bare serial.
        self.sensor_id = sensor_id.removeprefix(f"{DS18B20_FAMILY}-") if sensor_id else None
        self.attempts = attempts
        self.retry_delay_s = retry_delay_s
        self._sleep = sleep

    def _device_id(self) -> str:
        if self.sensor_id:
            return self.sensor_id
        found = sorted(self.base_dir.glob(f"{DS18B20_FAMILY}-*"))
        if not found:
            raise SensorError(
                f"no DS18B20 under {self.base_dir}: check dtoverlay=w1-gpio and the wiring"
            )
        return found[0].name.removeprefix(f"{DS18B20_FAMILY}-")

    def _read_once(self) -> float:
        w1 = _w1thermsensor()
        device_id = self._device_id()
        # w1thermsensor keeps the sysfs root in a class attribute: a subclass points it
        # at our base_dir (a fake tree in tests) without touching the global class.
        reader_cls = type("_Reader", (w1.W1ThermSensor,), {"BASE_DIRECTORY": self.base_dir})
        try:
            reader = reader_cls(sensor_type=w1.Sensor.DS18B20, sensor_id=device_id)
            value = float(reader.get_temperature())
        except w1.W1ThermSensorError as err:
            raise SensorError(f"DS18B20 {device_id}: {err}") from err
        except (IndexError, ValueError) as err:
            # A truncated or garbled w1_slave file (bus noise, sensor unplugged mid-read).
            raise SensorError(f"DS18B20 {device_id}: unreadable w1_slave ({err})") from err
        return check_plausible(value)

    def read_celsius(self) -> float:
        last: SensorError | None = None
        for attempt in range(self.attempts):
            if attempt:
                self._sleep(self.retry_delay_s)
            try:
                return self._read_once()
            except SensorError as err:
                last = err
        assert last is not None
        raise SensorError(f"{last} (after {self.attempts} attempts)") from last
