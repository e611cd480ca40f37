"""A device's desired settings as people change them: checked, written as a new version, and
followed until the device reports it applied (or refused) them.

One home for ``thermostat set`` and the dashboard, so both accept, refuse and word alike.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import ValidationError

from thermostat.contract import SETPOINT_MAX_C, SETPOINT_MIN_C
from thermostat.device_settings import MODES, DeviceSettings, ScheduleError, WeeklySchedule
from thermostat.items import DeviceReport, SettingsItem, StatusItem
from thermostat_cli.errors import BadArguments, CliError
from thermostat_cli.queries import SettingsConflict, Table
from thermostat_cli.timerange import format_duration

_OPTIONS = {
    "setpoint_c": "--setpoint",
    "mode": "--mode",
    "away_setpoint_c": "--away-setpoint",
    "schedule": "--schedule",
    "timezone": "--timezone",
}


SCHEDULE_EXAMPLE = "mon-fri 06:30=21 08:30=17 17:00=21 22:30=17; sat,sun 08:00=21 23:00=17"
# The schedule's syntax for people: `thermostat set --help` and the dashboard show this text.
SCHEDULE_HELP = (
    "days, then HH:MM=setpoint from that time on; parts separated by ';'; times in the"
    f' device\'s --timezone; e.g. "{SCHEDULE_EXAMPLE}"'
)
AppliedState = Literal["applied", "refused", "waiting"]


class NotApplied(CliError, TimeoutError):
    """The device has not applied the new settings within the time given."""


def _problem(err: ValidationError) -> str:
    """The first problem, naming the option the user typed and the allowed range."""
    first = err.errors(include_url=False)[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    option = _OPTIONS.get(field, field)
    if first["type"] in ("greater_than_equal", "less_than_equal"):
        return f"{option}: {first['input']:g} C is outside {SETPOINT_MIN_C:g}..{SETPOINT_MAX_C:g} C"
    return f"{option}: {first['msg'].removeprefix('Value error, ')}"


def change_settings(
    table: Table,
    device_id: str,
    changes: Mapping[str, Any],
    *,
    updated_by: str | None = None,
    based_on: int | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SettingsItem:
    """Write the device's settings with ``changes`` applied, as a new version.

    Raises BadArguments naming the field and the allowed range. When someone else changed the
    settings meanwhile (the versioned write refuses to overwrite them), the changes are applied
    again on top of theirs, once; unless ``based_on`` names the version the caller worked out
    its changes from (the dashboard's "0.5 C up"): then any other version is SettingsConflict.
    """
    for attempt in range(2):
        current = table.settings(device_id)
        if based_on is not None:
            _require_version(device_id, current, based_on)
        base = current.settings.model_dump() if current else {"version": 0}
        try:
            settings = DeviceSettings.model_validate(
                {**base, **changes, "version": base["version"] + 1}
            )
        except ValidationError as err:
            raise BadArguments(_problem(err)) from err
        item = SettingsItem(device_id, settings, clock(), updated_by)
        try:
            table.put_settings(item, previous_version=base["version"])
        except SettingsConflict:
            if attempt or based_on is not None:
                raise
            continue
        return item
    raise AssertionError("unreachable")


def _require_version(device_id: str, current: SettingsItem | None, based_on: int) -> None:
    version = current.settings.version if current else 0
    if version == based_on:
        return
    if current is None:
        now = "no settings"
    else:
        by = f" (by {current.updated_by})" if current.updated_by else ""
        now = f"version {version}: {current.settings.describe()}{by}"
    raise SettingsConflict(
        f"the settings of {device_id!r} changed meanwhile: they are {now}, not version"
        f" {based_on} that this change started from; look again and retry"
    )


def applied_state(report: DeviceReport | None, version: int) -> AppliedState:
    """Whether the device reports running settings ``version``, refused it, or has not said."""
    if report is not None:
        if (report.settings_version or 0) >= version:
            return "applied"
        if report.settings_error and refuses(report.settings_error, version):
            return "refused"
    return "waiting"


def wait_applied(
    table: Table, device_id: str, version: int, timeout: timedelta, *, poll: float = 1.0
) -> StatusItem:
    """The device's status once it reports running ``version`` (or refuses it)."""
    deadline = time.monotonic() + timeout.total_seconds()
    while True:
        status = table.status(device_id)
        report = status.report if status else None
        state = applied_state(report, version)
        if status is not None and state == "applied":
            return status
        if report is not None and state == "refused":
            raise NotApplied(f"device {device_id!r} refused the settings: {report.settings_error}")
        if time.monotonic() > deadline:
            raise NotApplied(
                f"device {device_id!r} has not applied settings version {version} within"
                f" {format_duration(timeout)}; it gets them with its next upload (is it online?)"
            )
        time.sleep(poll)


def refuses(settings_error: str, version: int) -> bool:
    """Whether the device's error is its refusal of ``version``.

    The Pi starts a refusal with the refused version ("version 3 refused: not newer than version
    5 in force"), so "version 1" must not match "version 10", nor the version in force.
    """
    return re.match(rf"version {version}\b", settings_error) is not None


def settings_changes(
    *,
    setpoint: float | None = None,
    mode: str | None = None,
    away_setpoint: float | None = None,
    schedule: str | None = None,
    clear_schedule: bool = False,
    timezone: str | None = None,
) -> dict[str, Any]:
    """The changes to make, checked as far as they can be alone (the rest is DeviceSettings').

    ``thermostat set`` and the dashboard both call this, so both say the same about bad input.
    """
    changes: dict[str, Any] = {}
    if setpoint is not None:
        changes["setpoint_c"] = setpoint
    if mode is not None:
        if mode not in MODES:
            raise BadArguments(f"--mode: invalid choice: {mode!r} (choose from {', '.join(MODES)})")
        changes["mode"] = mode
    if away_setpoint is not None:
        changes["away_setpoint_c"] = away_setpoint
    if schedule is not None:
        try:
            changes["schedule"] = WeeklySchedule.parse(schedule).text
        except ScheduleError as err:
            raise BadArguments(f"--schedule: {err}") from err
    if clear_schedule:
        changes["schedule"] = None
    if timezone is not None:
        changes["timezone"] = timezone
    if not changes:
        raise BadArguments(
            "nothing to set: give --setpoint, --mode, --away-setpoint, --schedule,"
            " --clear-schedule or --timezone"
        )
    return changes
