"""Fixtures for the Pi client: mock GPIO pins and a scriptable local ingest server."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from gpiozero import Device, OutputDevice
from gpiozero.pins.mock import MockFactory
from ingest_fake import IngestServer
from pi_fakes import PIN

from thermostat_pi.control import make_relay


@pytest.fixture
def mock_pins() -> Iterator[MockFactory]:
    """gpiozero's MockFactory as the default pin factory, reset afterwards."""
    factory = MockFactory()
    Device.pin_factory = factory
    yield factory
    factory.reset()
    factory.close()
    Device.pin_factory = None


@pytest.fixture
def relay(mock_pins: MockFactory) -> Iterator[OutputDevice]:
    """The relay as `thermostat-pi run` makes it (active high, on ``PIN``), on the mock pins."""
    device = make_relay(PIN, active_high=True)
    yield device
    device.close()


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes a test starts; killed (if still running) and reaped afterwards."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)


@pytest.fixture
def ingest() -> Iterator[IngestServer]:
    server = IngestServer()
    server.start()
    yield server
    if server.hold is not None:
        server.hold.set()
    server.stop()
