"""A tile's settings: what the owner asked for (desired) against what the device runs (applied).

The state is read as ``thermostat set --wait`` reads it
(:func:`~thermostat_cli.settings_command.applied_state`): applied once the device reports the
desired version (or a newer one), refused when its report names that version as refused,
else waiting for the device (it gets new settings with the reply to its next upload).
"""

from __future__ import annotations

import re
from typing import Any

from thermostat.contract import format_timestamp
from thermostat.items import SettingsItem, StatusItem
from thermostat_cli.settings_command import applied_state

WORDS = {"applied": "applied", "waiting": "waiting for the device"}
NONE_YET = "none sent yet: the device runs on its own configuration"


def desired(item: SettingsItem) -> dict[str, Any]:
    """The desired settings as the page shows and edits them."""
    s = item.settings
    return {
        "version": s.version,
        "setpoint_c": s.setpoint_c,
        "mode": s.mode,
        "away_setpoint_c": s.away_setpoint_c,
        "schedule": s.schedule,
        "timezone": s.timezone,
        "describe": s.describe(),
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
