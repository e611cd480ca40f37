"""The cost meter's request units against DynamoDB Local's own ConsumedCapacity.

DynamoDB Local is Amazon's DynamoDB implementation: asked with ReturnConsumedCapacity=INDEXES,
it reports what each call consumed on the table and on the status index. The meter never
asks (it sees the calls through botocore's event hooks); its count must be the same.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from bench.meter import Meter
from bench.usage import TableShape
from tests.support.dynamodb_local import (
    CLIENT_SETTINGS,
    DynamoDBLocal,
    create_template_table,
)
from tests.support.stack import TEMPLATE


@pytest.fixture
def metered(dynamodb_local: DynamoDBLocal) -> Iterator[tuple[Meter, Any, str]]:
    """A template table in DynamoDB Local, a meter and a client it meters."""
    table = f"meter-{uuid.uuid4().hex[:8]}"
    create_template_table(dynamodb_local, TEMPLATE, table)
    lookup = dynamodb_local.client()
    meter = Meter(lookup, {table: TableShape.describe(lookup, table)})
    session = boto3.Session()
    with meter.installed(session.events):
        client = session.client(
            "dynamodb", endpoint_url=dynamodb_local.endpoint_url, **CLIENT_SETTINGS
        )
    meter.current = "f"
    yield meter, client, table
    lookup.delete_table(TableName=table)


def charged(meter: Meter, call: Any) -> tuple[float, float, float, Any]:
    """(read units, write units incl. index, index write units) one call added; its answer."""
    usage = meter.of("f")
    before = (usage.read_units, usage.write_units, usage.index_write_units)
    answer = call()
    meter.settle()
    after = (usage.read_units, usage.write_units, usage.index_write_units)
    read, write, index = (b - a for a, b in zip(before, after, strict=True))
    return read, write, index, answer


def stored(metered: tuple[Meter, Any, str], *items: dict[str, Any]) -> None:
    """GIVEN these items in the table, their writes settled before the call measured."""
    meter, client, table = metered
    for item in items:
        client.put_item(TableName=table, Item=item)
    meter.settle()


def status_key(device: str) -> dict[str, Any]:
    return {"pk": {"S": f"DEVICE#{device}"}, "sk": {"S": "STATUS"}}


def status(device: str, padding: int) -> dict[str, Any]:
    return {
        **status_key(device),
        "status_key": {"S": "STATUS"},
        "device_id": {"S": device},
        "note": {"S": "x" * padding},
        "version": {"N": "7"},
    }


def reading(device: str, n: int, padding: int = 0) -> dict[str, Any]:
    return {
        "pk": {"S": f"DEVICE#{device}"},
        "sk": {"S": f"READING#2026-11-03T00:{n:02d}:00.000Z"},
        "temperature_c": {"N": "20.4375"},
        "heating": {"BOOL": True},
        "note": {"S": "r" * padding},
    }


def reported(answer: Any) -> tuple[float, float]:
    """(table, index) units DynamoDB Local reported."""
    capacity = answer["ConsumedCapacity"]
    indexes = capacity.get("GlobalSecondaryIndexes", {})
    return capacity.get("Table", {}).get("CapacityUnits", capacity["CapacityUnits"]), sum(
        i["CapacityUnits"] for i in indexes.values()
    )


@pytest.mark.parametrize("padding", [10, 1000, 2500])
def test_a_new_item_in_the_index_costs_what_dynamodb_reports(
    metered: tuple[Meter, Any, str], padding: int
) -> None:
    """PutItem of a status item: 1 KB units on the table and again on the status index."""
    meter, client, table = metered
    item = status("a", padding)
    _, write, index, answer = charged(
        meter,
        lambda: client.put_item(TableName=table, Item=item, ReturnConsumedCapacity="INDEXES"),
    )
    assert (write - index, index) == reported(answer)


@pytest.mark.parametrize(("first", "second"), [(2500, 10), (10, 2500), (10, 10)])
def test_a_replacement_costs_the_larger_item_and_its_index_entry(
    metered: tuple[Meter, Any, str], first: int, second: int
) -> None:
    """Replacing an item: the larger of before and after, on the table and the index."""
    meter, client, table = metered
    stored(metered, status("b", first))
    _, write, index, answer = charged(
        meter,
        lambda: client.put_item(
            TableName=table, Item=status("b", second), ReturnConsumedCapacity="INDEXES"
        ),
    )
    assert (write - index, index) == reported(answer)


def test_an_item_outside_the_index_costs_no_index_write(metered: tuple[Meter, Any, str]) -> None:
    """A reading (no status_key) writes the table only."""
    meter, client, table = metered
    _, write, index, answer = charged(
        meter,
        lambda: client.put_item(
            TableName=table, Item=reading("c", 1), ReturnConsumedCapacity="INDEXES"
        ),
    )
    assert (write, index) == (1.0, 0.0) == reported(answer)


@pytest.mark.parametrize("consistent", [True, False])
def test_a_query_rounds_the_sum_of_the_items_it_reads(
    metered: tuple[Meter, Any, str], consistent: bool
) -> None:
    """Ten 1 KB readings read by one Query (projected or not): one rounding of ~10 KB."""
    meter, client, table = metered
    stored(metered, *(reading("d", n, padding=900) for n in range(10)))
    read, _, _, answer = charged(
        meter,
        lambda: client.query(
            TableName=table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :r)",
            ExpressionAttributeValues={":pk": {"S": "DEVICE#d"}, ":r": {"S": "READING#"}},
            ProjectionExpression="temperature_c",
            ConsistentRead=consistent,
            ReturnConsumedCapacity="INDEXES",
        ),
    )
    assert read == reported(answer)[0]
    assert read == (3.0 if consistent else 1.5)


@pytest.mark.parametrize(("key", "consistent"), [("e", False), ("e", True), ("missing", False)])
def test_a_get_costs_half_a_unit_per_4_kb_when_eventually_consistent(
    metered: tuple[Meter, Any, str], key: str, consistent: bool
) -> None:
    """GetItem: 4 KB units, halved without ConsistentRead, the minimum for a missing item."""
    meter, client, table = metered
    stored(metered, status("e", 5000))
    read, _, _, answer = charged(
        meter,
        lambda: client.get_item(
            TableName=table,
            Key=status_key(key),
            ConsistentRead=consistent,
            ReturnConsumedCapacity="TOTAL",
        ),
    )
    assert read == answer["ConsumedCapacity"]["CapacityUnits"]


def test_an_update_costs_the_larger_image_and_rewrites_the_index_entry(
    metered: tuple[Meter, Any, str],
) -> None:
    """UpdateItem (read back after the call): larger of before and after, index included."""
    meter, client, table = metered
    stored(metered, status("f", 10))
    _, write, index, answer = charged(
        meter,
        lambda: client.update_item(
            TableName=table,
            Key=status_key("f"),
            UpdateExpression="SET #n = :n",
            ExpressionAttributeNames={"#n": "note"},
            ExpressionAttributeValues={":n": {"S": "y" * 1500}},
            ReturnConsumedCapacity="INDEXES",
        ),
    )
    assert (write - index, index) == reported(answer)


def test_a_failed_condition_still_costs_the_item_it_was_checked_against(
    metered: tuple[Meter, Any, str],
) -> None:
    """A conditional put that fails is billed (1 KB units of the existing item), as AWS says."""
    meter, client, table = metered
    stored(metered, reading("g", 1, padding=1500))

    def refused() -> None:
        with pytest.raises(client.exceptions.ConditionalCheckFailedException):
            client.put_item(
                TableName=table,
                Item=reading("g", 1),
                ConditionExpression="attribute_not_exists(pk)",
            )

    _, write, index, _ = charged(meter, refused)
    assert (write, index) == (2.0, 0.0)
