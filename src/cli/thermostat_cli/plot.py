"""``thermostat plot``: one device's readings as a PNG, SVG or self-contained HTML chart."""

from __future__ import annotations

import argparse

from thermostat_cli.context import Context
from thermostat_cli.errors import BadArguments, NothingToPlot
from thermostat_cli.history import time_range

FORMATS = (".png", ".svg", ".html", ".htm")


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.output.suffix.lower() not in FORMATS:
        raise BadArguments(f"-o must end in one of {', '.join(FORMATS)}: {args.output}")
    if not args.output.parent.is_dir():
        raise BadArguments(f"no such folder for -o: {args.output.parent}")
    span = time_range(args)
    ctx.progress.what = "readings"
    readings = list(ctx.table.readings(args.device, span))
    ctx.progress.done()
    if not readings:
        ctx.table.require_device(args.device)
        raise NothingToPlot(f"no readings for device {args.device!r} {span.describe()}")
    from thermostat_cli import chart  # matplotlib only when drawing

    chart.save(readings, span, args.device, args.output)
    ctx.note(f"wrote {args.output} ({len(readings)} readings)")
    return 0
