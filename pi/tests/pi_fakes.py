"""Fakes for the Pi client tests: a fake 1-wire tree, a scripted sensor, clocks, readings."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gpiozero import OutputDevice
from gpiozero.pins.mock import MockFactory

from thermostat.contract import Reading
from thermostat.endpoints import Endpoints
from thermostat_pi.control import Thermostat
from thermostat_pi.errors import SensorError

PIN = 17
W1_OK = "{raw} 4b 46 7f ff 0e 10 57 : crc=57 {crc}\n{raw} 4b 46 7f ff 0e 10 57 t={milli}\n"
# What make dev writes to endpoints.json, give or take the ports.
LOCAL_STACK = Endpoints(
    aws_endpoint_url="http://127.0.0.1:4566",
    region="eu-west-1",
    ingest_url="http://127.0.0.1:4567/",
    table_name="t",
    access_key_id="test",
    secret_access_key="test",
    stack_name="thermostat-dev",
)


def w1_slave_text(celsius: float, *, crc: str = "YES") -> str:
    """The w1_slave file the kernel writes for a DS18B20 at ``celsius``."""
    count = round(celsius * 16) & 0xFFFF
    raw = f"{count & 0xFF:02x} {count >> 8:02x}"
    return W1_OK.format(raw=raw, crc=crc, milli=round(celsius * 1000))


def write_sensor(base: Path, serial: str, text: str) -> Path:
    device = base / f"28-{serial}"
    device.mkdir(parents=True, exist_ok=True)
    (device / "w1_slave").write_text(text)
    return device / "w1_slave"


class ScriptedSensor:
    """Returns the temperature the test sets, or raises when told to fail."""

    def __init__(self, celsius: float) -> None:
        self.celsius = celsius
        self.failing = False

    def read_celsius(self) -> float:
        if self.failing:
            raise SensorError("sensor stopped answering")
        return self.celsius


def pin_high(factory: MockFactory, pin: int = PIN) -> bool:
    return bool(factory.pin(pin).state)


def make_thermostat(
    relay: OutputDevice,
    sensor: ScriptedSensor,
    clock: Callable[[], float],
    *,
    setpoint_c: float = 20.0,
    hysteresis_c: float = 1.0,
    min_cycle_s: float = 0,
) -> Thermostat:
    """The control loop on a test's relay, sensor and clock; no minimum cycle unless asked."""
    return Thermostat(
        sensor=sensor,
        relay=relay,
        clock=clock,
        setpoint_c=setpoint_c,
        hysteresis_c=hysteresis_c,
        min_on_s=min_cycle_s,
        min_off_s=min_cycle_s,
    )


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def local_stack(**changes: str) -> Endpoints:
    """A local stack's endpoints.json record (``LOCAL_STACK`` with ``changes``)."""
    return replace(LOCAL_STACK, **changes)


def make_readings(count: int, *, device_id: str = "pi-test") -> list[Reading]:
    """``count`` distinct readings a second apart, ending now."""
    start = datetime.now(UTC) - timedelta(seconds=count + 60)
    return [
        Reading(
            device_id=device_id,
            recorded_at=start + timedelta(seconds=i),
            temperature_c=round(15 + (i % 100) / 10, 3),
            setpoint_c=20.0,
            heating=i % 2 == 0,
        )
        for i in range(count)
    ]


def damage(path: Path, *, readings: int = 400) -> list[str]:
    """A spool of ``readings`` readings whose later pages are overwritten with garbage;
    the rows it held."""
    from thermostat_pi.spool import Spool  # the fakes stay importable without the client

    spool = Spool(path)
    texts = [json.dumps(r.to_wire()) for r in make_readings(readings)]
    spool.append_texts(texts)
    spool.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(len(data) // 2 // page * page, len(data) - page, 2 * page):
        data[start : start + page] = b"\xa5" * page
    path.write_bytes(bytes(data))
    return texts
