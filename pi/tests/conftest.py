"""Fixtures for the Pi client: mock GPIO pins and a scriptable local ingest server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory
from pi_fakes import IngestServer


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
def ingest() -> Iterator[IngestServer]:
    server = IngestServer()
    server.start()
    yield server
    if server.hold is not None:
        server.hold.set()
    server.stop()
