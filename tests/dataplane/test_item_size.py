"""DynamoDB item and stream-record sizes, checked against Amazon's own figures: the SizeBytes of
AWS's published sample records, and what Amazon's DynamoDB Local reports for the same items."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from lambda_dataplane.item_size import item_size, number_size, stream_record_size, value_size
from tests.support.dynamodb_local import DynamoDBLocal
from tests.support.events import published

# Items of every type, and numbers whose digits pair differently around the decimal point.
SAMPLES: dict[str, dict[str, Any]] = {
    "string": {"s": {"S": "abc"}},
    "utf8": {"ü": {"S": "日本"}},
    "empty string": {"s": {"S": ""}},
    "zero": {"n": {"N": "0"}},
    "negative zero": {"n": {"N": "-0"}},
    "1.5": {"n": {"N": "1.5"}},
    "1.234": {"n": {"N": "1.234"}},
    "12.34": {"n": {"N": "12.34"}},
    "1000.01": {"n": {"N": "1000.01"}},
    "0.001": {"n": {"N": "0.001"}},
    "-5": {"n": {"N": "-5"}},
    "-1.5": {"n": {"N": "-1.5"}},
    "exponent": {"n": {"N": "9.99E+125"}},
    "38 digits": {"n": {"N": "12345678901234567890123456789012345678"}},
    "-38 digits, 20 pairs": {"n": {"N": "-1.2345678901234567890123456789012345678"}},
    "-37 digits": {"n": {"N": "-1.234567890123456789012345678901234567"}},
    "bool": {"b": {"BOOL": True}},
    "null": {"x": {"NULL": True}},
    "binary": {"x": {"B": b"abc"}},
    "empty list": {"x": {"L": []}},
    "list": {"x": {"L": [{"S": "ab"}, {"N": "1"}]}},
    "map": {"x": {"M": {"k": {"S": "ab"}}}},
    # No empty map: DynamoDB Local's stream sends one as {} instead of {"M": {}}.
    "list of maps": {"x": {"L": [{"M": {"b": {"S": "x"}}}, {"M": {"a": {"NULL": True}}}]}},
    "string set": {"x": {"SS": ["ab", "c"]}},
    "number set": {"x": {"NS": ["1", "22"]}},
    "binary set": {"x": {"BS": [b"ab", b"c"]}},
}


@pytest.mark.parametrize(
    ("text", "size"),
    [("101", 3), ("0", 1), ("1.5", 3), ("12.34", 3), ("1.234", 4), ("-5", 3), ("1E+10", 2)],
)
def test_number_sizes_pair_digits_from_the_decimal_point(text: str, size: int) -> None:
    """1.5 is two pairs (01|50) and 12.34 two (12|34): 1 byte each, plus 1, plus 1 if < 0."""
    assert number_size(text) == size


def test_empty_list_and_map_are_their_3_bytes_of_overhead() -> None:
    """An empty List or Map is 3 bytes, whatever the emulator sends for it."""
    assert value_size({"L": []}) == value_size({"M": {}}) == 3


def test_binary_counts_raw_bytes_given_as_bytes_or_base64() -> None:
    """boto3's bytes and the wire's base64 text give the same size: the raw length."""
    assert value_size({"B": b"\x00\x01\x02"}) == value_size({"B": "AAEC"}) == 3


@pytest.mark.parametrize(
    "value",
    [{"X": "1"}, {"N": "abc"}, {"N": "NaN"}, {"B": "***"}, {"S": "a", "N": "1"}, "plain"],
)
def test_what_is_not_an_attribute_value_is_a_value_error(value: Any) -> None:
    """Unknown types, non-numbers, bad base64 and malformed values are refused by name."""
    with pytest.raises(ValueError, match=r"DynamoDB|base64"):
        value_size(value)


def test_published_stream_records_have_the_size_aws_gave_them() -> None:
    """AWS's sample INSERT, MODIFY and REMOVE records (26, 59, 38 bytes) are recomputed exactly."""
    records = published("aws-sam-cli/DynamoDBUpdate.json")["Records"]
    assert [stream_record_size(r["dynamodb"]) for r in records] == [26, 59, 38]
    assert [r["dynamodb"]["SizeBytes"] for r in records] == [26, 59, 38]


def test_powertools_sample_records_have_the_size_aws_gave_them() -> None:
    """Powertools' copy of AWS's samples (INSERT 26, MODIFY 59) agrees too."""
    records = published("powertools/dynamoStreamEvent.json")["Records"]
    for record in records:
        assert stream_record_size(record["dynamodb"]) == record["dynamodb"]["SizeBytes"]


def test_sizes_match_what_dynamodb_local_reports(dynamodb_local: DynamoDBLocal) -> None:
    """Every sample item's stream record is as large as Amazon's DynamoDB Local says it is."""
    dynamodb_local.reset()
    client, streams = dynamodb_local.client("dynamodb"), dynamodb_local.client("dynamodbstreams")
    stream_arn = client.create_table(
        TableName="item-sizes",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    for name, attributes in SAMPLES.items():
        client.put_item(TableName="item-sizes", Item={"pk": {"S": name}, **attributes})
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert len(records) == len(SAMPLES)
    reported = {r["dynamodb"]["Keys"]["pk"]["S"]: r["dynamodb"]["SizeBytes"] for r in records}
    ours = {r["dynamodb"]["Keys"]["pk"]["S"]: stream_record_size(r["dynamodb"]) for r in records}
    assert ours == reported


def test_item_size_is_the_sum_of_its_attributes() -> None:
    """An item is its attributes' names and values; the record adds Keys and both images."""
    item = {"pk": {"S": "DEVICE#d1"}, "t": {"N": "20.5"}}
    assert item_size(item) == (2 + 9) + (1 + 3)
    change = {"Keys": {"pk": item["pk"]}, "NewImage": item, "OldImage": copy.deepcopy(item)}
    assert stream_record_size(change) == 11 + 15 + 15
