"""``thermostat``: the command line. Argument parsing, and errors mapped to exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from thermostat_cli import (
    alerts_command,
    connection,
    device_command,
    history,
    plot,
    settings_command,
    status,
    timerange,
)
from thermostat_cli.context import Context
from thermostat_cli.dashboard import command as dashboard
from thermostat_cli.dynamo import translated_errors
from thermostat_cli.errors import CliError
from thermostat_cli.progress import Progress
from thermostat_cli.queries import Table

DESCRIPTION = "See your thermostats: device status, reading history, charts and a live page."
EPILOG = (
    "The table is --table, else $THERMOSTAT_TABLE (with the usual AWS settings), else the"
    " local stack: `make dev`'s .devstack/endpoints.json, else `make up`'s"
    " .localstack/endpoints.json. Exit codes: 0 done (an empty result"
    " says so on stderr), 1 unknown device or nothing to plot, 2 bad usage, no credentials,"
    " endpoint unreachable or table missing. See docs/cli.md."
)


def _common_options(parser: argparse.ArgumentParser, default: object) -> None:
    # On the main parser and on each subcommand, so they work before or after it;
    # SUPPRESS on subcommands keeps a value given before the subcommand.
    group = parser.add_argument_group("where the data is")
    group.add_argument("--table", default=default, help="table name")
    group.add_argument(
        "--stack", default=default, help="CloudFormation stack (devices; default: make dev's)"
    )
    group.add_argument("--endpoint-url", default=default, help="e.g. http://127.0.0.1:4566")
    group.add_argument("--region", default=default, help="AWS region")
    group.add_argument("--profile", default=default, help="AWS profile (~/.aws/config)")
    shown = parser.add_argument_group("how to show it")
    shown.add_argument(
        "--tz",
        type=timerange.zone,
        default=default,
        help="time zone to show times in (default: this machine's)",
    )
    shown.add_argument(
        "--progress",
        action="store_true",
        default=default,
        help="report pages fetched on stderr (default: when exporting from a"
        " terminal to a file or pipe)",
    )


def _range_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", required=True, help="device id, e.g. living-room")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--day", type=timerange.day, help="one day, YYYY-MM-DD, in --tz")
    timerange.add_duration_option(which, "--last", help="the last DURATION up to now (90m, 2h, 1d)")
    timerange.add_when_option(
        which, "--from", dest="since", help="start: a day or an ISO time (no offset: in --tz)"
    )
    timerange.add_when_option(
        parser,
        "--to",
        dest="until",
        help="end: a day (included) or a time (excluded); default now",
    )


def _format_options(parser: argparse.ArgumentParser) -> None:
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument(
        "--json",
        dest="format",
        action="store_const",
        const="json",
        help="JSON Lines: one object per line",
    )
    fmt.add_argument("--csv", dest="format", action="store_const", const="csv", help="CSV")
    parser.set_defaults(format="table")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="thermostat", description=DESCRIPTION, epilog=EPILOG)
    _common_options(parser, None)
    subs = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def sub(name: str, help_text: str) -> argparse.ArgumentParser:
        p = subs.add_parser(name, help=help_text, description=help_text, epilog=EPILOG)
        _common_options(p, argparse.SUPPRESS)
        return p

    p = sub("status", "every device's latest reading, and which ones are silent")
    timerange.add_duration_option(
        p,
        "--silent-after",
        default=timedelta(minutes=15),
        help="flag devices not heard from for this long (90s, 15m, 2h, 1d; default 15m)",
    )
    _format_options(p)
    p.set_defaults(run=status.run, auto_progress=False)

    p = sub("history", "one device's readings (or --hourly / --daily rollups)")
    _range_options(p)
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--hourly", action="store_true", help="hourly rollups (UTC hours)")
    kind.add_argument("--daily", action="store_true", help="daily rollups (UTC days)")
    _format_options(p)
    p.set_defaults(run=history.run, auto_progress=True)

    device_command.add_parsers(sub, lambda parser: _common_options(parser, argparse.SUPPRESS))
    settings_command.add_parser(sub)
    alerts_command.add_parser(sub)

    p = sub("plot", "chart temperature, setpoint and heating to .png, .svg or .html")
    _range_options(p)
    p.add_argument("-o", "--output", type=Path, required=True, help="chart.png|.svg|.html")
    p.set_defaults(run=plot.run, auto_progress=True)

    p = sub("dashboard", "a live page of every thermostat, served on 127.0.0.1 (docs/dashboard.md)")
    dashboard.add_options(p)
    # It reads the table per request (make dev may start later), so it needs none to start.
    p.set_defaults(serve=dashboard.run)

    return parser


def _execute(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if getattr(args, "serve", None):
        served: int = args.serve(args, out, err)
        return served
    conn = connection.resolve(**connection.flags(args))
    # Automatic progress only when the rows go somewhere else than the terminal.
    auto = args.auto_progress and err.isatty() and not out.isatty()
    progress = Progress(err, enabled=bool(args.progress) or auto)
    with translated_errors(conn.table or str(conn.stack), conn.endpoint_url or "AWS"):
        client = connection.client(conn)
    with translated_errors(conn.table or str(conn.stack), client.meta.endpoint_url):
        context = Context(Table(client, conn.table, progress.page), out, err, progress, conn)
        if not conn.table:  # only the stack is known: its table
            context.table = Table(client, context.outputs()["TableName"], progress.page)
        code: int = args.run(args, context)
        return code


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command; return its exit code (the console script exits with it)."""
    out, err = out or sys.stdout, err or sys.stderr
    args = build_parser().parse_args(argv)
    args.tz = args.tz or timerange.local_zone()
    try:
        return _execute(args, out, err)
    except CliError as error:
        err.write(f"thermostat: {error}\n")
        return error.exit_code
    except KeyboardInterrupt:
        err.write("\nthermostat: interrupted\n")
        return 130
    except BrokenPipeError:
        # `thermostat history ... | head`: the reader left; stop quietly, as cat does.
        # Python would flush stdout again at exit and fail once more: point it at devnull.
        if out is sys.stdout:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
