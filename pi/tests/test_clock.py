"""Wall-clock steps are noticed (monotonic vs wall clock), logged and shown in status."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from gpiozero import OutputDevice
from pi_fakes import ScriptedSensor, make_thermostat

from thermostat_pi.clock import ClockWatch
from thermostat_pi.config import load_config
from thermostat_pi.outbox import Outbox
from thermostat_pi.service import run_service
from thermostat_pi.status import report
from thermostat_pi.uploader import Uploader

START = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


class Clocks:
    """A wall clock and a monotonic clock that advance together unless the wall is stepped."""

    def __init__(self) -> None:
        self.wall = START
        self.mono = 100.0

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds


def test_no_step_while_both_clocks_advance_together() -> None:
    """Ticks of any length with both clocks in step report nothing (slew-sized drift too)."""
    clocks = Clocks()
    watch = ClockWatch(now=clocks.now, monotonic=clocks.monotonic)
    assert watch.check() is None
    for seconds in (60, 0.5, 3600):
        clocks.advance(seconds)
        clocks.wall += timedelta(milliseconds=30)  # NTP slewing: far under the threshold
        assert watch.check() is None


@pytest.mark.parametrize("step_s", [-3600.0, -5.0, 5.0, 86400.0])
def test_a_step_is_reported_with_its_size_and_direction(step_s: float) -> None:
    """The wall clock set back or forward between two ticks: the difference is the step."""
    clocks = Clocks()
    watch = ClockWatch(now=clocks.now, monotonic=clocks.monotonic)
    watch.check()
    clocks.advance(60)
    clocks.wall += timedelta(seconds=step_s)
    step = watch.check()
    assert step is not None
    assert step.seconds == pytest.approx(step_s)
    direction = "back" if step_s < 0 else "forward"
    assert step.describe().startswith(f"wall clock stepped {direction} {abs(step_s):.1f} s")
    clocks.advance(60)
    assert watch.check() is None  # reported once


def test_the_service_logs_a_step_and_status_shows_it(
    tmp_path: Path, relay: OutputDevice, caplog: pytest.LogCaptureFixture
) -> None:
    """Set back an hour while running: a warning in the log, the step in `thermostat-pi status`."""
    config_path = tmp_path / "pi.toml"
    config_path.write_text('device_id = "pi-1"\nspool_path = "spool.db"\n')
    config = load_config(config_path, env={})
    clocks = Clocks()
    thermostat = make_thermostat(relay, ScriptedSensor(19.0), clocks.monotonic, hysteresis_c=0.5)
    outbox = Outbox(config.spool_path)
    stop = threading.Event()
    ticks: list[datetime] = []

    def wait(seconds: float) -> None:
        ticks.append(clocks.wall)
        clocks.advance(seconds)
        if len(ticks) == 2:
            clocks.wall -= timedelta(hours=1)  # a bad time server
        if len(ticks) == 4:
            stop.set()

    uploader = Uploader(spool=outbox, url="http://127.0.0.1:9/", sleep=stop.wait)
    run_service(
        thermostat=thermostat,
        outbox=outbox,
        uploader=uploader,
        device_id="pi-1",
        interval_s=60,
        stop=stop,
        now=clocks.now,
        monotonic=clocks.monotonic,
        wait=wait,
    )
    outbox.close()
    assert "wall clock stepped back 3600.0 s" in caplog.text
    lines = report(config)
    assert "clock steps:          1" in lines
    assert any("wall clock stepped back 3600.0 s" in line for line in lines)
