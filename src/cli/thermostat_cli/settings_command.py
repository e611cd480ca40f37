"""``thermostat set NAME ...``: change a device's desired settings, from anywhere.

The settings go into the table with a new version; the device gets them with the reply to its
next upload (no port opened at home), applies and keeps them, and reports the version it
runs. ``--wait`` waits for that report. The checks and the write are
:mod:`thermostat_cli.settings_changes`, which the dashboard uses too.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from thermostat.device_settings import MODES
from thermostat_cli.context import Context
from thermostat_cli.errors import CliError, UnknownDevice
from thermostat_cli.settings_changes import (
    SCHEDULE_HELP,
    change_settings,
    settings_changes,
    wait_applied,
)
from thermostat_cli.timerange import duration


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    return settings_changes(
        setpoint=args.setpoint,
        mode=args.mode,
        away_setpoint=args.away_setpoint,
        schedule=args.schedule,
        clear_schedule=args.clear_schedule,
        timezone=args.timezone,
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    changes = _changes(args)
    if not ctx.table.has_items(args.name) and not _is_device(ctx, args.name):
        raise UnknownDevice(f"unknown device {args.name!r}: add it with `thermostat device add`")
    item = change_settings(ctx.table, args.name, changes)
    ctx.note(f"{args.name}: settings version {item.settings.version}: {item.settings.describe()}")
    if args.wait:
        status = wait_applied(ctx.table, args.name, item.settings.version, args.timeout)
        applied = status.settings_applied_at or status.last_seen_at
        ctx.note(f"{args.name}: applied at {applied:%Y-%m-%d %H:%M:%S %Z}")
    return 0


def _is_device(ctx: Context, name: str) -> bool:
    """A device added in IAM that has not reported yet may be set up in advance."""
    from thermostat_cli.devices import Devices

    try:
        Devices(ctx.client("iam"), ctx.stack).get(name)
    except CliError:
        return False
    return True


def add_parser(sub: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = sub("set", "change a device's setpoint, mode or weekly schedule (it gets them next upload)")
    p.add_argument("name", help="the device id")
    p.add_argument("--setpoint", type=float, metavar="C", help="the setpoint in mode heat")
    # Checked by settings_changes, not argparse's choices: the dashboard says the same then.
    p.add_argument("--mode", metavar="|".join(MODES), help="heat, off, or away (frost protection)")
    p.add_argument("--away-setpoint", type=float, metavar="C", help="the setpoint in mode away")
    schedule = p.add_mutually_exclusive_group()
    schedule.add_argument(
        "--schedule",
        metavar="TEXT",
        help=SCHEDULE_HELP,
    )
    schedule.add_argument("--clear-schedule", action="store_true", help="no schedule")
    p.add_argument("--timezone", metavar="ZONE", help="the schedule's zone (e.g. Europe/Berlin)")
    p.add_argument("--wait", action="store_true", help="wait until the device applied them")
    p.add_argument(
        "--timeout",
        type=duration,
        default=timedelta(minutes=5),
        metavar="DURATION",
        help="how long --wait waits (default 5m)",
    )
    p.set_defaults(run=run, auto_progress=False)
