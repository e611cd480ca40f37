"""The running service: a control tick every interval, an upload thread, and a safe exit.

The relay is forced off when the service stops for any reason: a return, an exception,
SIGTERM (systemd stop) or SIGINT (Ctrl-C).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType

from pydantic import ValidationError

from thermostat.contract import Reading
from thermostat_pi.control import Thermostat
from thermostat_pi.errors import SensorError, SpoolError
from thermostat_pi.spool import Spool
from thermostat_pi.uploader import Uploader

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def tick(
    *, thermostat: Thermostat, spool: Spool, device_id: str, now: Callable[[], datetime]
) -> Reading | None:
    """One control step; the reading is committed to the spool before anyone may send it.

    Heating comes first: a failing spool (disk full, card worn out) loses the reading and
    says so, but the thermostat keeps controlling the heat.
    """
    reading = None
    try:
        step = thermostat.step()
    except SensorError as err:
        log.error("sensor failed, heat is off: %s", err)
        error: str | None = f"sensor: {err}"
    else:
        error = None
        try:
            reading = Reading(
                device_id=device_id,
                recorded_at=now(),
                temperature_c=step.temperature_c,
                setpoint_c=thermostat.setpoint_c,
                heating=step.heating,
            )
        except ValidationError as err:
            # e.g. the clock is still at 1970 before NTP answers: such a reading is wrong.
            log.error("reading not recorded: %s", err)
    try:
        spool.record_relay(thermostat.heating)
        if error:
            spool.record_error(error)
        if reading:
            spool.append(reading)
    except SpoolError as err:
        log.error("reading lost, the spool failed: %s", err)
        return None
    return reading


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Turn SIGTERM/SIGINT into ``stop.set()`` while inside; no-op off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_service(
    *,
    thermostat: Thermostat,
    spool: Spool,
    uploader: Uploader,
    device_id: str,
    interval_s: float,
    stop: threading.Event,
    now: Callable[[], datetime] = utc_now,
    wait: Callable[[float], object] | None = None,
) -> None:
    """Run until ``stop`` is set (by a signal or the caller); the heat is off on return."""
    wait = wait or stop.wait
    wakeup = threading.Event()
    sender = threading.Thread(
        target=uploader.run, args=(stop, wakeup, interval_s), name="uploader", daemon=True
    )
    with stop_on_signals(stop):
        try:
            sender.start()
            while not stop.is_set():
                if tick(thermostat=thermostat, spool=spool, device_id=device_id, now=now):
                    wakeup.set()
                wait(interval_s)
        finally:
            thermostat.force_off()
            spool.record_relay(False)
            stop.set()
            wakeup.set()
            sender.join(timeout=uploader.timeout_s + 1)
            log.info("stopped; heat is off")
