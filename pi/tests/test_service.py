"""The running service: relay off on signals and errors, readings spooled and sent."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from gpiozero import OutputDevice
from gpiozero.pins.mock import MockFactory
from ingest_fake import IngestServer
from pi_fakes import FakeClock, ScriptedSensor, make_readings, make_thermostat, pin_high

from thermostat_pi.control import Thermostat
from thermostat_pi.outbox import Outbox
from thermostat_pi.service import run_service, tick, utc_now
from thermostat_pi.spool import Spool
from thermostat_pi.uploader import Outcome, Uploader


@dataclass
class Service:
    """The service's parts as `thermostat-pi run` wires them (device pi-1, a tick a minute)."""

    thermostat: Thermostat
    outbox: Outbox
    uploader: Uploader

    def run(self, stop: threading.Event, wait: Callable[[float], None]) -> None:
        run_service(
            thermostat=self.thermostat,
            outbox=self.outbox,
            uploader=self.uploader,
            device_id="pi-1",
            interval_s=60,
            stop=stop,
            wait=wait,
        )


def service(tmp_path: Path, relay: OutputDevice, sensor: ScriptedSensor, url: str) -> Service:
    outbox = Outbox(tmp_path / "spool.db")
    return Service(
        thermostat=make_thermostat(relay, sensor, FakeClock()),
        outbox=outbox,
        uploader=Uploader(spool=outbox, url=url, timeout_s=1.0, sleep=lambda _: None),
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_service_with_the_heat_off(
    tmp_path: Path, relay: OutputDevice, mock_pins: MockFactory, signum: int
) -> None:
    """SIGTERM/SIGINT while heating: run_service returns, the relay is off, handlers restored."""
    pi = service(tmp_path, relay, ScriptedSensor(15.0), "http://127.0.0.1:9/")
    seen: list[bool] = []
    before = signal.getsignal(signum)

    def wait(_: float) -> None:
        seen.append(pin_high(mock_pins))
        os.kill(os.getpid(), signum)

    pi.run(threading.Event(), wait)
    assert seen == [True]  # it was heating when the signal came
    assert not pin_high(mock_pins)
    assert Spool(tmp_path / "spool.db").status().relay_on is False
    assert signal.getsignal(signum) is before


def test_unexpected_error_turns_the_heat_off(
    tmp_path: Path, relay: OutputDevice, mock_pins: MockFactory
) -> None:
    """A bug that escapes the loop still leaves the relay off."""
    pi = service(tmp_path, relay, ScriptedSensor(15.0), "http://127.0.0.1:9/")

    def wait(_: float) -> None:
        assert pin_high(mock_pins)
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError, match="bug"):
        pi.run(threading.Event(), wait)
    assert not pin_high(mock_pins)


def test_sensor_failure_records_no_reading_and_reports_it(
    tmp_path: Path, relay: OutputDevice, mock_pins: MockFactory
) -> None:
    """A failing sensor: heat off, nothing spooled, the error visible in status."""
    sensor = ScriptedSensor(15.0)
    sensor.failing = True
    stop = threading.Event()
    service(tmp_path, relay, sensor, "http://127.0.0.1:9/").run(stop, lambda _: stop.set())
    status = Spool(tmp_path / "spool.db").status()
    assert (status.depth, status.acked, status.relay_on) == (0, 0, False)
    assert "sensor stopped answering" in (status.last_error or "")


def test_readings_are_sent_while_the_service_runs(
    tmp_path: Path, relay: OutputDevice, ingest: IngestServer
) -> None:
    """Each tick's reading reaches the server through the upload thread."""
    pi = service(tmp_path, relay, ScriptedSensor(15.0), ingest.url)
    stop = threading.Event()

    def wait(_: float) -> None:
        deadline = time.monotonic() + 10
        while len(ingest.stored) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()

    pi.run(stop, wait)
    [reading] = ingest.stored
    assert (reading["device_id"], reading["temperature_c"], reading["heating"]) == (
        "pi-1",
        15.0,
        True,
    )
    assert Spool(tmp_path / "spool.db").status().depth == 0


def test_spool_failure_keeps_the_reading_in_memory_and_the_heating_on(
    tmp_path: Path, relay: OutputDevice, mock_pins: MockFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """With the spool broken mid-run, tick still switches the relay; the reading waits in memory."""
    pi = service(tmp_path, relay, ScriptedSensor(15.0), "http://127.0.0.1:9/")
    pi.outbox._spool._db.close()  # type: ignore[union-attr]  # every later spool call fails
    reading = tick(thermostat=pi.thermostat, outbox=pi.outbox, device_id="pi-1", now=utc_now)
    assert reading is not None
    assert pin_high(mock_pins)
    assert [row.body for row in pi.outbox.peek(5)] == [reading.to_wire()]
    assert "spool unusable, readings kept in memory" in caplog.text


def test_upload_thread_survives_an_unexpected_error(tmp_path: Path, ingest: IngestServer) -> None:
    """A failure inside drain is logged and the thread goes on sending."""
    spool = Spool(tmp_path / "spool.db")
    spool.append(make_readings(1)[0])
    uploader = Uploader(spool=spool, url=ingest.url, sleep=lambda _: None)
    real_send = uploader.send_once
    calls: list[int] = []

    def flaky() -> Outcome:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("bug")
        return real_send()

    uploader.send_once = flaky  # type: ignore[method-assign]
    stop, wakeup = threading.Event(), threading.Event()
    sender = threading.Thread(target=uploader.run, args=(stop, wakeup, 0.01))
    sender.start()
    try:
        deadline = time.monotonic() + 10
        while not ingest.stored and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        wakeup.set()
        sender.join(5)
    assert len(ingest.stored) == 1
