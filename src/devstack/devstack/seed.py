"""``thermostat-devstack seed-demo``: write a simulated day of one thermostat into a table.

Into a table with a stream (a running ``make dev`` or ``make up``) it writes the readings only,
as the ingest function would: the stack's stream function then makes the rollups and the
status, as it does for a real Pi (writing them here too would count every reading twice).
Into a bare table it writes what both functions would have: readings, hourly and daily
rollups, and the device's status item. ``--items`` chooses instead. The table is ``--table``
(with ``--endpoint-url`` and the usual AWS settings), else the running local stack's (``make
dev``'s, else ``make up``'s). ``--create-table`` first creates the table with the template's
key schema and status index, for a bare emulator.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from devstack.demo import (
    create_table,
    reading_items,
    simulate_day,
    stored_items,
    write_items,
)
from thermostat.endpoints import Endpoints, EndpointsFileError, find_local_stack
from thermostat_ingest.errors import StoreUnavailable


def _minutes(text: str) -> timedelta:
    return timedelta(minutes=float(text.removesuffix("m")))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="thermostat-devstack seed-demo", description=__doc__)
    parser.add_argument("--day", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    parser.add_argument("--device", default="living-room", help="device id (living-room)")
    parser.add_argument("--tz", type=ZoneInfo, default=ZoneInfo("UTC"), help="the day's zone")
    parser.add_argument(
        "--interval", type=_minutes, default=timedelta(minutes=1), help="minutes (1m)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--table", help="table name (default: the make dev or make up stack's)")
    parser.add_argument("--endpoint-url", help="e.g. http://127.0.0.1:4566")
    parser.add_argument("--create-table", action="store_true", help="create the table first")
    parser.add_argument(
        "--items",
        choices=("auto", "readings", "all"),
        default="auto",
        help="readings only (a stream function makes the rest), or all the functions' items;"
        " auto (default): readings only when the table has a stream",
    )
    return parser


def has_stream(client: Any, table: str) -> bool:
    """Whether the table sends its changes to a stream (a stack's stream function reads it)."""
    described = client.describe_table(TableName=table)["Table"]
    return bool(described.get("StreamSpecification", {}).get("StreamEnabled"))


def _client_and_table(args: argparse.Namespace) -> tuple[Any, str]:
    if args.table:
        return boto3.client("dynamodb", endpoint_url=args.endpoint_url), str(args.table)
    path = find_local_stack(Path.cwd())
    if path is None:
        raise EndpointsFileError(
            "no --table and no local stack (make dev's .devstack/endpoints.json"
            " or make up's .localstack/endpoints.json)"
        )
    stack = Endpoints.read(path)
    options = stack.client_args()
    if args.endpoint_url:
        options["endpoint_url"] = args.endpoint_url
    return boto3.client("dynamodb", **options), stack.table_name


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        client, table = _client_and_table(args)
        if args.create_table:
            create_table(client, table)
        readings = simulate_day(
            args.device, args.day, args.tz, interval=args.interval, seed=args.seed
        )
        everything = args.items == "all" or (args.items == "auto" and not has_stream(client, table))
        items = stored_items(readings) if everything else reading_items(readings)
        write_items(client, table, items)
    except (EndpointsFileError, StoreUnavailable, BotoCoreError, ClientError) as err:
        print(f"seed-demo: {err}", file=sys.stderr)
        return 1
    rest = "with their rollups and status" if everything else "(its stream function rolls them up)"
    print(
        f"wrote {len(readings)} simulated readings of {args.device!r} to table {table!r} {rest}",
        file=sys.stderr,
    )
    return 0
