"""The running service: a control tick every interval, an upload thread, and a safe exit.

The relay is forced off when the service stops for any reason: a return, an exception,
SIGTERM (systemd stop) or SIGINT (Ctrl-C). Heating comes first: nothing the disk does
stops the loop (the :class:`~thermostat_pi.outbox.Outbox` falls back to memory).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType

from pydantic import ValidationError

from thermostat.contract import SETPOINT_MIN_C, Reading
from thermostat_pi.clock import ClockWatch
from thermostat_pi.control import Thermostat
from thermostat_pi.errors import SensorError
from thermostat_pi.live_status import LiveStatus
from thermostat_pi.outbox import Outbox
from thermostat_pi.remote_settings import RemoteSettings
from thermostat_pi.uploader import Uploader

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def tick(
    *,
    thermostat: Thermostat,
    outbox: Outbox,
    device_id: str,
    now: Callable[[], datetime],
    settings: RemoteSettings | None = None,
) -> Reading | None:
    """One control step; the reading is queued (on disk, or in memory if the disk fails)
    before anyone may send it. The relay has been decided before anything is written.

    With ``settings``, the setpoint of this decision is theirs at this moment (the config's
    until settings arrive; a schedule switches it here, offline too)."""
    if settings is not None:
        try:
            target = settings.target_c(now())
        except Exception:  # a bug in the settings must not stop the heating
            log.exception("setpoint not updated; keeping %s", thermostat.setpoint_c)
            target = thermostat.setpoint_c
        if target != thermostat.setpoint_c:
            say = "none, the heat stays off (mode off)" if target is None else f"{target:g} C"
            log.info("setpoint now %s", say)
        thermostat.setpoint_c = target
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
                setpoint_c=recorded_setpoint(thermostat.setpoint_c),
                heating=step.heating,
            )
        except ValidationError as err:
            # e.g. the clock is still at 1970 before NTP answers: such a reading is wrong.
            log.error("reading not recorded: %s", err)
    try:
        outbox.maintain()
        outbox.record_relay(thermostat.heating)
        if error:
            outbox.record_error(error)
        if reading:
            outbox.append(reading)
    except Exception:  # a bug in recording must not stop the heating
        log.exception("reading not recorded")
        return None
    return reading


def recorded_setpoint(setpoint_c: float | None) -> float:
    """The setpoint a reading records. Mode off has none: the lowest the contract knows
    (``heating`` false says the rest)."""
    return SETPOINT_MIN_C if setpoint_c is None else setpoint_c


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
    outbox: Outbox,
    uploader: Uploader,
    device_id: str,
    interval_s: float,
    stop: threading.Event,
    now: Callable[[], datetime] = utc_now,
    monotonic: Callable[[], float] = time.monotonic,
    wait: Callable[[float], object] | None = None,
    live: LiveStatus | None = None,
    settings: RemoteSettings | None = None,
) -> None:
    """Run until ``stop`` is set (by a signal or the caller); the heat is off on return."""
    wait = wait or stop.wait
    live = live or LiveStatus(None)
    clock = ClockWatch(now=now, monotonic=monotonic)
    wakeup = threading.Event()
    sender = threading.Thread(
        target=uploader.run, args=(stop, wakeup, interval_s), name="uploader", daemon=True
    )
    with stop_on_signals(stop):
        try:
            sender.start()
            while not stop.is_set():
                step = clock.check()
                if step is not None:
                    log.warning("%s; readings around it are out of order", step.describe())
                    outbox.note("clock_step", step.describe())
                if tick(
                    thermostat=thermostat,
                    outbox=outbox,
                    device_id=device_id,
                    now=now,
                    settings=settings,
                ):
                    wakeup.set()
                remote = settings.snapshot() if settings is not None else {}
                live.write({"device_id": device_id, **outbox.snapshot(), **remote})
                wait(interval_s)
        finally:
            thermostat.force_off()
            outbox.record_relay(False)
            stop.set()
            wakeup.set()
            sender.join(timeout=uploader.deadline_s + 1)
            live.remove()
            log.info("stopped; heat is off")
