"""Heating faults: the relay on for a while and the room not warming (or far too warm).

Walked reading by reading, like the temperature alerts, so each fault raises one alert when
it starts and one when it clears:

* "heating on but not heating": the relay has been on for ``fault_after`` and the temperature
  has not risen by ``min_rise_c`` since it switched on (a furnace out, a pump stuck, a valve
  closed);
* "heating stuck on": on for ``fault_after`` while above setpoint + ``stuck_margin_c`` (a
  welded relay, a bad sensor reading low).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from thermostat.contract import Reading
from thermostat.items import AlertItem

Fault = Literal["ok", "not_heating", "stuck_on"]
FAULTS: tuple[Fault, ...] = ("ok", "not_heating", "stuck_on")


def fault(stored: str) -> Fault:
    """A stored fault; one this version does not know counts as ok."""
    return next((f for f in FAULTS if f == stored), "ok")


@dataclass(frozen=True)
class HeatingRules:
    fault_after: timedelta = timedelta(minutes=45)
    min_rise_c: float = 0.5
    stuck_margin_c: float = 2.0


@dataclass(frozen=True)
class HeatingRun:
    """Since when the relay has been on, and the temperature then; the fault it shows."""

    since: datetime | None = None
    start_c: float | None = None
    fault: Fault = "ok"


def human(span: timedelta) -> str:
    """``2 h 14 min`` (minutes at least)."""
    minutes = max(0, round(span.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def step(
    run: HeatingRun, reading: Reading, rules: HeatingRules
) -> tuple[HeatingRun, AlertItem | None]:
    """The run after one reading, and the alert if its fault changed."""
    if not reading.heating:
        after = HeatingRun()
    else:
        since = run.since or reading.recorded_at
        start = (
            run.start_c
            if run.since is not None and run.start_c is not None
            else reading.temperature_c
        )
        on_for = reading.recorded_at - since
        rise = reading.temperature_c - start
        now_fault = run.fault
        if (
            reading.temperature_c > reading.setpoint_c + rules.stuck_margin_c
            and on_for >= rules.fault_after
        ):
            now_fault = "stuck_on"
        elif (
            now_fault == "stuck_on"
            and reading.temperature_c <= reading.setpoint_c + rules.stuck_margin_c
        ):
            now_fault = "ok"
        if rise >= rules.min_rise_c and now_fault == "not_heating":
            now_fault = "ok"
        elif rise < rules.min_rise_c and on_for >= rules.fault_after and now_fault == "ok":
            now_fault = "not_heating"
        after = HeatingRun(since, start, now_fault)
    if after.fault == run.fault:
        return after, None
    return after, _alert(run, after, reading)


_SUBJECTS = {
    "not_heating": "heating on but not heating",
    "stuck_on": "heating stuck on",
}
_CHECKS = {
    "not_heating": "Check the furnace or boiler (flame, pressure, error code), its fuse and the"
    " relay wiring.",
    "stuck_on": "Check the relay (it may be welded on) and that the sensor reads the room.",
}


def _alert(before: HeatingRun, after: HeatingRun, r: Reading) -> AlertItem:
    if after.fault == "ok":
        was = _SUBJECTS[before.fault]
        kind, subject = "heating_ok", f"{r.device_id}: {was}: cleared ({r.temperature_c:.1f} C)"
        check = "Nothing to do."
    else:
        kind = f"heating_{after.fault}"
        subject = f"{r.device_id}: {_SUBJECTS[after.fault]} ({r.temperature_c:.1f} C)"
        check = _CHECKS[after.fault]
    since = before.since or after.since
    on_for = human(r.recorded_at - since) if since else "-"
    start = before.start_c if before.start_c is not None else after.start_c
    message = "\n".join(
        [
            subject + ".",
            f"Heating on since {since:%Y-%m-%d %H:%M} UTC ({on_for})" if since else "Heating off.",
            f"Temperature then {start:.1f} C, now {r.temperature_c:.1f} C; setpoint"
            f" {r.setpoint_c:.1f} C; relay {'on' if r.heating else 'off'} ({r.timestamp})."
            if start is not None
            else f"Now {r.temperature_c:.1f} C; setpoint {r.setpoint_c:.1f} C ({r.timestamp}).",
            check,
        ]
    )
    return AlertItem(
        device_id=r.device_id,
        occurred_at=r.recorded_at,
        kind=kind,
        subject=subject,
        message=message,
        facts={
            "device_id": r.device_id,
            "alert": after.fault,
            "previous": before.fault,
            "heating_since": since.isoformat() if since else None,
            "start_temperature_c": start,
            "temperature_c": r.temperature_c,
            "setpoint_c": r.setpoint_c,
            "heating": r.heating,
            "recorded_at": r.timestamp,
        },
    )
