"""``thermostat seed-demo`` (for development): write a simulated day into a table.

It writes what the ingest and stream functions would have: readings, hourly and
daily rollups, and the device's status item. ``--create-table`` first creates the
table with the contract's key schema and status index, for a bare emulator.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from thermostat.items import STATUS_INDEX_KEY, STATUS_INDEX_NAME, reading_item
from thermostat_cli.context import Context
from thermostat_cli.errors import TableUnavailable
from thermostat_cli.simulate import DELIVERY_DELAY, rollup_items, simulate_day, status_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BATCH_SIZE = 25  # BatchWriteItem's limit
MAX_ROUNDS = 8


def create_table(client: DynamoDBClient, name: str) -> None:
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": STATUS_INDEX_KEY, "AttributeType": "S"},
            {"AttributeName": "device_id", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": STATUS_INDEX_NAME,
                "KeySchema": [
                    {"AttributeName": STATUS_INDEX_KEY, "KeyType": "HASH"},
                    {"AttributeName": "device_id", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    client.get_waiter("table_exists").wait(TableName=name)


def write_items(client: DynamoDBClient, table: str, items: Sequence[dict[str, Any]]) -> None:
    """BatchWriteItem in 25s, resending what DynamoDB left unprocessed."""
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    for first in range(0, len(items), BATCH_SIZE):
        requests: Any = [
            {"PutRequest": {"Item": {k: serializer.serialize(v) for k, v in item.items()}}}
            for item in items[first : first + BATCH_SIZE]
        ]
        for attempt in range(MAX_ROUNDS):
            answer = client.batch_write_item(RequestItems={table: requests})
            requests = answer.get("UnprocessedItems", {}).get(table)
            if not requests:
                break
            time.sleep(0.05 * 2**attempt)  # unprocessed items mean throttling: back off
        else:
            raise TableUnavailable(f"DynamoDB kept items unprocessed after {MAX_ROUNDS} rounds")


def run(args: argparse.Namespace, ctx: Context) -> int:
    client, name = ctx.table.client, ctx.table.name
    if args.create_table:
        create_table(client, name)
    readings = simulate_day(args.device, args.day, args.tz, interval=args.interval, seed=args.seed)
    items = [
        reading_item(r, received_at=r.recorded_at + DELIVERY_DELAY, retention_days=0)
        for r in readings
    ]
    items += rollup_items(readings)
    items.append(status_item(readings[-1]))
    write_items(client, name, items)
    ctx.note(f"wrote {len(readings)} simulated readings of {args.device!r} to table {name!r}")
    return 0
