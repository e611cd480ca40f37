"""``thermostat status``: every device's newest reading, and which ones went silent."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from thermostat_cli import formats
from thermostat_cli.context import Context
from thermostat_cli.timerange import format_duration, zone_name


def run(args: argparse.Namespace, ctx: Context) -> int:
    ctx.progress.what = "devices"
    statuses = list(ctx.table.statuses())
    ctx.progress.done()
    if not statuses:
        ctx.note(f"no device has reported yet: table {ctx.table.name!r} has no status items")
        return 0
    now = datetime.now(UTC)
    rows = []
    for s in statuses:
        row = formats.status_row(
            s,
            args.tz,
            now,
            silent=now - s.last_seen_at > args.silent_after,
            desired=ctx.table.settings(s.device_id),
        )
        if args.format == "table":  # one readable cell; JSON and CSV keep the fields
            row["settings"] = formats.settings_cell(row)
        rows.append(row)
    columns = formats.status_columns(zone_name(args.tz), max(len(s.device_id) for s in statuses))
    formats.write_rows(rows, columns, args.format, ctx.out)
    silent = [row["device_id"] for row in rows if row["silent"]]
    if silent:
        ctx.note(
            f"{len(silent)} of {len(rows)} devices silent for more than"
            f" {format_duration(args.silent_after)}: {', '.join(silent)}"
        )
    return 0
