"""The second DynamoDB: the ``stack`` fixture's table really is on the backend under test."""

from __future__ import annotations

from typing import Any

import boto3

from tests.support.dynamodb_local import DynamoDBBackend, DynamoDBLocal, create_template_table
from tests.support.stack import TEMPLATE

ITEM = {"pk": {"S": "DEVICE#probe"}, "sk": {"S": "STATUS"}}


def direct(endpoint_url: str) -> Any:
    """A DynamoDB client to one endpoint, whatever the process's AWS settings say."""
    return boto3.client("dynamodb", endpoint_url=endpoint_url)


def table_shape(description: dict[str, Any]) -> dict[str, Any]:
    return {
        "keys": description["KeySchema"],
        "attributes": sorted(description["AttributeDefinitions"], key=str),
        "indexes": [
            (i["IndexName"], i["KeySchema"]) for i in description["GlobalSecondaryIndexes"]
        ],
        "stream": description["StreamSpecification"],
    }


def test_table_writes_reach_the_backend_under_test(
    stack: dict[str, str], dynamodb: DynamoDBBackend, moto_stack: dict[str, str]
) -> None:
    """A PutItem through the process's settings lands on that backend, and only there."""
    boto3.client("dynamodb").put_item(TableName=stack["TableName"], Item=ITEM)
    answer = direct(dynamodb.endpoint_url).get_item(TableName=stack["TableName"], Key=ITEM)
    assert answer["Item"] == ITEM
    if dynamodb.local is not None:
        on_moto = direct(boto3.client("sts").meta.endpoint_url).get_item(
            TableName=moto_stack["TableName"], Key=ITEM
        )
        assert "Item" not in on_moto


def test_dynamodb_local_table_has_the_templates_shape(
    moto_stack: dict[str, str], dynamodb_local: DynamoDBLocal
) -> None:
    """Keys, attributes, the status index and the stream are those CloudFormation made on moto."""
    dynamodb_local.reset()
    name = moto_stack["TableName"]
    stream_arn = create_template_table(dynamodb_local, TEMPLATE, name)
    here = dynamodb_local.client().describe_table(TableName=name)["Table"]
    on_moto = boto3.client("dynamodb").describe_table(TableName=name)["Table"]
    assert table_shape(here) == table_shape(on_moto)
    assert here["LatestStreamArn"] == stream_arn


def test_dynamodb_local_table_expires_readings_by_expires_at(
    dynamodb_local: DynamoDBLocal,
) -> None:
    """TTL is on, on the template's attribute (moto's CloudFormation leaves it off)."""
    dynamodb_local.reset()
    create_template_table(dynamodb_local, TEMPLATE, "ttl-probe")
    ttl = dynamodb_local.client().describe_time_to_live(TableName="ttl-probe")
    assert ttl["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expires_at",
    }
