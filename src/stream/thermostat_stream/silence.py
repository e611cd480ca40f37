"""Silent devices: no reading received for a while, and back again.

A device goes silent when the health check (on a schedule: silence needs a clock, not a
reading) finds nothing received from it for ``silent_after``; it is back when the stream
function sees its next reading. Each raises one alert, recorded on the status item.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from thermostat.items import AlertItem, StatusItem
from thermostat_stream.heating import human


def went_silent(status: StatusItem, now: datetime, after: timedelta) -> AlertItem | None:
    """The alert if ``status``'s device has just gone silent (None if not, or already)."""
    if status.silent_since is not None or now - status.last_seen_at < after:
        return None
    quiet = human(now - status.last_seen_at)
    subject = f"{status.device_id}: no reading for {quiet}"
    message = "\n".join(
        [
            subject + ".",
            f"Last reading received {status.last_seen_at:%Y-%m-%d %H:%M} UTC: "
            f"{status.temperature_c:.1f} C, setpoint {status.setpoint_c:.1f} C, heating"
            f" {'on' if status.heating else 'off'}.",
            "Check the Pi's power and Wi-Fi, and `thermostat-pi status` on it (its spool keeps"
            " the readings it could not send).",
        ]
    )
    return AlertItem(
        device_id=status.device_id,
        occurred_at=now,
        kind="silent",
        subject=subject,
        message=message,
        facts={
            "device_id": status.device_id,
            "alert": "silent",
            "last_seen_at": status.last_seen_at.isoformat(),
            "temperature_c": status.temperature_c,
            "setpoint_c": status.setpoint_c,
            "heating": status.heating,
        },
    )


def mark_silent(status: StatusItem) -> StatusItem:
    return replace(status, silent_since=status.last_seen_at)


def came_back(status: StatusItem | None, received_at: datetime) -> AlertItem | None:
    """The alert if a silent device's reading arrived (None if it was not silent)."""
    if status is None or status.silent_since is None:
        return None
    gap = human(received_at - status.silent_since)
    subject = f"{status.device_id}: back after {gap}"
    return AlertItem(
        device_id=status.device_id,
        occurred_at=received_at,
        kind="back",
        subject=subject,
        message=f"{subject}.\nA reading arrived at {received_at:%Y-%m-%d %H:%M} UTC.",
        facts={
            "device_id": status.device_id,
            "alert": "back",
            "silent_since": status.silent_since.isoformat(),
            "received_at": received_at.isoformat(),
        },
    )
