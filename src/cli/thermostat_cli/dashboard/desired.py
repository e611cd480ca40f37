"""A tile's settings: what the owner asked for (desired) against what the device runs (applied).

The state is read as ``thermostat set --wait`` reads it
(:func:`~thermostat_cli.settings_changes.applied_state`): applied once the device reports the
desired version (or a newer one), refused when its report names that version as refused,
else waiting for the device (it gets new settings with the reply to its next upload).
"""

from __future__ import annotations

import re
from typing import Any

from thermostat.contract import format_timestamp
from thermostat.device_settings import DAYS, WeeklySchedule
from thermostat.items import SettingsItem, StatusItem
from thermostat_cli.settings_changes import applied_state

WORDS = {"applied": "applied", "waiting": "waiting for the device"}
NONE_YET = "none sent yet: the device runs on its own configuration"


def compact(schedule: str) -> str:
    """The schedule with days of the same entries written once: ``mon-fri ...; sat,sun ...``
    (the table keeps one part per day; both spellings parse to the same schedule)."""
    days_of: dict[str, list[int]] = {}
    for day, entries in sorted(WeeklySchedule.parse(schedule).days.items()):
        days_of.setdefault(" ".join(f"{at:%H:%M}={c:g}" for at, c in entries), []).append(day)
    return "; ".join(f"{_days(days)} {entries}" for entries, days in days_of.items())


def _days(days: list[int]) -> str:
    """[0, 1, 2, 3, 4, 6] as ``mon-fri,sun``: runs of three or more days as ranges."""
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAYS[run[0]]}-{DAYS[run[-1]]}")
        else:
            parts.extend(DAYS[day] for day in run)
    return ",".join(parts)


def desired(item: SettingsItem) -> dict[str, Any]:
    """The desired settings as the page shows and edits them."""
    s = item.settings
    schedule = compact(s.schedule) if s.schedule else None
    described = f"schedule ({s.timezone}): {schedule}" if schedule and s.mode == "heat" else None
    return {
        "version": s.version,
        "setpoint_c": s.setpoint_c,
        "mode": s.mode,
        "away_setpoint_c": s.away_setpoint_c,
        "schedule": schedule,
        "timezone": s.timezone,
        "describe": described or s.describe(),
        "updated_at": format_timestamp(item.updated_at),
        "updated_by": item.updated_by,
    }


def settings_state(status: StatusItem, item: SettingsItem | None) -> dict[str, Any]:
    """``state`` none / waiting / applied / refused, ``text`` for people, and the versions."""
    report = status.report
    error = report.settings_error if report else None
    applied_at = status.settings_applied_at
    body: dict[str, Any] = {
        "desired": desired(item) if item else None,
        "applied_version": report.settings_version if report else None,
        "applied_at": format_timestamp(applied_at) if applied_at else None,
        "error": error,
    }
    if item is None:
        return {**body, "state": "none", "text": NONE_YET}
    version = item.settings.version
    state = applied_state(report, version)
    if state == "refused":
        # The Pi words it "version 3 refused: <why>"; the page says "refused: <why>".
        why = re.sub(rf"^version {version} refused: ", "", error or "")
        return {**body, "state": state, "text": f"refused: {why}"}
    return {**body, "state": state, "text": WORDS[state]}
