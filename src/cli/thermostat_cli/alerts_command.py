"""``thermostat alerts``: the alerts raised for each device (kept for AlertRetentionDays)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo

from thermostat.contract import format_timestamp
from thermostat.items import AlertItem
from thermostat_cli import formats
from thermostat_cli.context import Context
from thermostat_cli.timerange import duration, moment_or_day, zone_name


def _since(args: argparse.Namespace) -> datetime:
    value = args.since
    if value is None:
        return datetime.now(UTC) - timedelta(days=7)
    if isinstance(value, timedelta):
        return datetime.now(UTC) - value
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=args.tz)
    return datetime.combine(value, datetime.min.time(), args.tz)


def _rows(alerts: list[AlertItem], tz: tzinfo) -> Iterator[formats.Row]:
    for alert in alerts:
        yield {
            "device_id": alert.device_id,
            "occurred_at": format_timestamp(alert.occurred_at),
            "local_time": formats.local_time(alert.occurred_at, tz, "%Y-%m-%d %H:%M"),
            "kind": alert.kind,
            "subject": alert.subject,
            "message": alert.message,
            "published": alert.published_at is not None,
            "facts": dict(alert.facts),
        }


def run(args: argparse.Namespace, ctx: Context) -> int:
    since = _since(args)
    devices = [args.device] if args.device else ctx.table.device_ids()
    alerts = sorted(
        (alert for device in devices for alert in ctx.table.alerts(device, since)),
        key=lambda a: (a.occurred_at, a.device_id),
    )
    if not alerts:
        ctx.note(f"no alerts since {format_timestamp(since)}")
        return 0
    if args.format == "full":
        for alert in alerts:
            when = formats.local_time(alert.occurred_at, args.tz)
            ctx.out.write(f"{when}  {alert.kind}\nSubject: {alert.subject}\n\n{alert.message}\n\n")
        return 0
    width = max(len(a.device_id) for a in alerts)
    formats.write_rows(
        _rows(alerts, args.tz),
        formats.alert_columns(zone_name(args.tz), width),
        args.format,
        ctx.out,
    )
    return 0


def _since_value(text: str) -> object:
    try:
        return duration(text)
    except argparse.ArgumentTypeError:
        return moment_or_day(text)


def add_parser(sub: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = sub("alerts", "recent alerts: too cold or hot, silent, back, heating faults")
    p.add_argument("--device", help="one device (default: every device)")
    p.add_argument(
        "--since",
        type=_since_value,
        metavar="WHEN",
        help="a duration back (2h, 3d), a day or an ISO time (default: 7 days back)",
    )
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", dest="format", action="store_const", const="json")
    fmt.add_argument("--csv", dest="format", action="store_const", const="csv")
    fmt.add_argument(
        "--full",
        dest="format",
        action="store_const",
        const="full",
        help="each alert whole, as the SNS topic sends it (subject and message)",
    )
    p.set_defaults(run=run, format="table", auto_progress=False)
