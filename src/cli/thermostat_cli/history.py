"""``thermostat history``: readings or rollups of one device, streamed as they page in."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from thermostat.items import RollupKind
from thermostat_cli import formats
from thermostat_cli.context import Context
from thermostat_cli.errors import BadArguments
from thermostat_cli.timerange import TimeRange, zone_name


def time_range(args: argparse.Namespace) -> TimeRange:
    """The range a subcommand was asked for: ``--day``, ``--last``, or ``--from`` with
    optional ``--to``."""
    if args.last is not None:
        if args.until is not None:
            raise BadArguments("--to goes with --from, not with --last")
        if args.last <= timedelta(0):
            raise BadArguments("--last must be longer than 0s")
        return TimeRange.between(datetime.now(UTC) - args.last, None, args.tz)
    if args.day is not None:
        if args.until is not None:
            raise BadArguments("--to goes with --from, not with --day")
        return TimeRange.for_day(args.day, args.tz)
    if args.since is None:
        raise BadArguments(
            "give --day YYYY-MM-DD, --last DURATION, or --from (and optionally --to)"
        )
    return TimeRange.between(args.since, args.until, args.tz)


def run(args: argparse.Namespace, ctx: Context) -> int:
    span = time_range(args)
    zone = zone_name(span.tz)
    rows: Iterator[formats.Row]
    if args.hourly or args.daily:
        kind: RollupKind = "hourly" if args.hourly else "daily"
        what = f"{kind} rollups"
        rows = formats.rollup_rows(ctx.table.rollups(args.device, span, kind), span.tz)
        columns = formats.rollup_columns(zone)
    else:
        what = "readings"
        rows = formats.reading_rows(ctx.table.readings(args.device, span), span.tz)
        columns = formats.reading_columns(zone)
    ctx.progress.what = what
    count = formats.write_rows(rows, columns, args.format, ctx.out)
    ctx.progress.done()
    if count == 0:
        ctx.table.require_device(args.device)
        ctx.note(f"no {what} for device {args.device!r} {span.describe()}")
    return 0
