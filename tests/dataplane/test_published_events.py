"""The fidelity suite, part 2: AWS's published sample events (tests/events/published, sources in
its README) against what the data plane produces, and run through our own handlers on the
emulators. A change a sample needs to reach our code (a body, an image) is made here, in the
open; everything else is AWS's as published."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import (
    DynamoDBStreamModel,
    EventBridgeModel,
    LambdaFunctionUrlModel,
)

from lambda_dataplane.schedules import scheduled_event
from lambda_dataplane.sigv4 import Identity
from lambda_dataplane.stream_events import to_lambda_record
from lambda_dataplane.url_event import HttpRequest, map_response
from tests.dataplane.url_events import event_for_request
from tests.support.events import published
from tests.support.readings import reading_at
from tests.support.table import items_of_type, rollup
from thermostat_ingest import handler as ingest_handler
from thermostat_stream import handler as stream_handler
from thermostat_stream import health

ACCOUNT = "123456789012"
# Readings of yesterday, so retention never refuses them and their hour is closed.
T0 = (datetime.now(UTC) - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
# Keys Lambda "sets to null or excludes from the JSON" (urls-invocation.html's table), and
# requestContext.authentication, which the page's example shows as null but AWS's real
# events leave out (Powertools' captured lambdaFunctionUrlEvent.json has neither).
OPTIONAL_URL_KEYS = {"pathParameters", "stageVariables", "requestContext.authentication"}


def key_paths(document: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON document, not descending into free-form maps."""
    if not isinstance(document, dict):
        return set()
    paths = set()
    for key, value in document.items():
        path = f"{prefix}{key}"
        paths.add(path)
        if key not in ("headers", "queryStringParameters", "Keys", "NewImage", "OldImage"):
            paths |= key_paths(value, f"{path}.")
    return paths


def our_url_event(*, signed: bool, method: str, target: str, body: bytes) -> dict[str, Any]:
    headers = [("Host", "127.0.0.1:9000"), ("User-Agent", "agent"), ("Cookie", "c1=1; c2=2")]
    request = HttpRequest(method, target, headers, body, "127.0.0.1")
    signer = Identity("AKIA", ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/example-user", "AIDA")
    return event_for_request(request, signer=signer if signed else None, url_id="a" * 32)


def test_published_samples_parse_as_powertools_models() -> None:
    """The yardstick holds: Powertools' models accept AWS's own samples."""
    LambdaFunctionUrlModel.model_validate(
        published("aws-docs/urls-invocation-request-payload.json")
    )
    LambdaFunctionUrlModel.model_validate(published("powertools/lambdaFunctionUrlEvent.json"))
    DynamoDBStreamModel.model_validate(published("aws-sam-cli/DynamoDBUpdate.json"))
    EventBridgeModel.model_validate(
        {"version": "0", **published("aws-sam-cli/ScheduledEvent.json")}
    )


def test_signed_post_event_has_the_keys_of_aws_example() -> None:
    """Our AWS_IAM POST event has every key of the docs' example and none it lacks."""
    sample = key_paths(published("aws-docs/urls-invocation-request-payload.json"))
    ours = key_paths(our_url_event(signed=True, method="POST", target="/my/path?p=1", body=b"x"))
    assert ours <= sample
    assert sample - ours <= OPTIONAL_URL_KEYS


def test_anonymous_get_event_has_the_keys_of_a_real_one() -> None:
    """Our NONE-auth GET event has exactly the keys of the captured browser GET."""
    sample = key_paths(published("powertools/lambdaFunctionUrlEvent.json"))
    ours = key_paths(our_url_event(signed=False, method="GET", target="/", body=b""))
    assert ours - {"cookies"} == sample


def test_stream_records_have_the_keys_of_aws_samples() -> None:
    """Each record we hand over has the keys of the matching INSERT/MODIFY/REMOVE sample."""
    for record in published("aws-sam-cli/DynamoDBUpdate.json")["Records"]:
        raw = copy.deepcopy(record)
        raw["dynamodb"]["ApproximateCreationDateTime"] = datetime.fromtimestamp(1428537600, UTC)
        ours = to_lambda_record(raw, stream_arn=record["eventSourceARN"], region="us-east-1")
        assert key_paths(ours.event) == key_paths(record)
        assert ours.event["dynamodb"]["SizeBytes"] == record["dynamodb"]["SizeBytes"]


def test_scheduled_event_has_the_keys_of_aws_sample() -> None:
    """Our Scheduled Event has the sample's keys, and EventBridge's version ("0") besides."""
    sample = published("aws-sam-cli/ScheduledEvent.json")
    ours = json.loads(scheduled_event(sample["resources"][0], ACCOUNT, "us-east-1", T0))
    assert set(ours) == set(sample) | {"version"}
    assert (ours["detail-type"], ours["source"], ours["detail"]) == (
        sample["detail-type"],
        sample["source"],
        sample["detail"],
    )


def reading(minute: int, temperature: float, device: str = "hall") -> dict[str, Any]:
    at = T0 + timedelta(minutes=minute)
    return reading_at(at, device=device, temperature_c=temperature).to_wire()


@pytest.fixture
def table(stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The stack's table; the handlers' settings point at it and they start afresh."""
    monkeypatch.setenv("TABLE_NAME", stack["TableName"])
    monkeypatch.setattr(ingest_handler, "_app", None)
    monkeypatch.setattr(stream_handler, "_processor", None)
    monkeypatch.setattr(health, "_check", None)
    yield stack["TableName"]


def docs_post(readings: list[dict[str, Any]]) -> dict[str, Any]:
    """AWS's example POST, adapted where it must be: a JSON body of readings and its type."""
    event = published("aws-docs/urls-invocation-request-payload.json")
    event["body"] = json.dumps({"readings": readings})
    event["headers"]["content-type"] = "application/json"
    return event


def test_docs_post_stores_readings_and_maps_to_a_200(table: str) -> None:
    """AWS's AWS_IAM POST through the ingest handler: stored, caller kept, a clean 200."""
    result = ingest_handler.handler(docs_post([reading(0, 19.0), reading(10, 20.0)]), None)
    notes: list[str] = []
    response = map_response(json.dumps(result).encode(), notes=notes)
    assert (response.status, json.loads(response.body), notes) == (200, {"stored": 2}, [])
    assert ("Content-Type", "application/json") in response.headers
    stored = items_of_type(table, "reading")
    assert {item["caller"] for item in stored} == {"arn:aws:iam::111122223333:user/example-user"}


def test_browser_get_is_refused_with_a_405_that_maps_cleanly(table: str) -> None:
    """A captured anonymous GET (no body) is a 405 with a JSON error, mapped as given."""
    result = ingest_handler.handler(published("powertools/lambdaFunctionUrlEvent.json"), None)
    response = map_response(json.dumps(result).encode())
    assert response.status == 405
    assert json.loads(response.body)["error"] == "method_not_allowed"
    assert items_of_type(table, "reading") == []


def stored_item(table: str, minute: int) -> dict[str, Any]:
    key = {"pk": {"S": "DEVICE#hall"}, "sk": {"S": f"READING#{reading(minute, 0)['recorded_at']}"}}
    item: dict[str, Any] = boto3.client("dynamodb").get_item(TableName=table, Key=key)["Item"]
    return item


def with_readings(records: list[dict[str, Any]], images: list[dict[str, Any]]) -> None:
    """Put reading items where the samples have their {"Id": 101} items: the one change."""
    for record, image in zip(records, images, strict=True):
        change = record["dynamodb"]
        change["Keys"] = {"pk": image["NewImage"]["pk"], "sk": image["NewImage"]["sk"]}
        for part in ("NewImage", "OldImage"):
            if part in change:
                change[part] = image[part]


def test_aws_stream_samples_with_reading_images_roll_up(table: str) -> None:
    """AWS's INSERT, MODIFY and REMOVE records, carrying readings, fail nothing and roll up
    the readings the table holds."""
    ingest_handler.handler(
        docs_post([reading(0, 19.0), reading(10, 20.0), reading(20, 30.0)]), None
    )
    first, second, third = (stored_item(table, minute) for minute in (0, 10, 20))
    boto3.client("dynamodb").delete_item(TableName=table, Key={k: third[k] for k in ("pk", "sk")})
    earlier = {**second, "temperature_c": {"N": "25"}}
    event = published("aws-sam-cli/DynamoDBUpdate.json")
    with_readings(
        event["Records"],
        [
            {"NewImage": first},
            {"NewImage": second, "OldImage": earlier},
            {"NewImage": third, "OldImage": third},
        ],
    )
    assert stream_handler.handler(event, None) == {"batchItemFailures": []}
    hour = rollup(table, "hall", "hourly", T0.strftime("%Y-%m-%dT%H"))
    assert hour is not None and hour.stats.reading_count == 2


def test_powertools_stream_sample_with_version_1_0_and_float_times_is_processed(
    table: str,
) -> None:
    """eventVersion 1.0 and a float ApproximateCreationDateTime (as AWS's older samples have)
    are processed like any record."""
    ingest_handler.handler(docs_post([reading(0, 19.0)]), None)
    first = stored_item(table, 0)
    event = published("powertools/dynamoStreamEvent.json")
    with_readings(event["Records"], [{"NewImage": first}, {"NewImage": first, "OldImage": first}])
    assert stream_handler.handler(event, None) == {"batchItemFailures": []}


def test_aws_scheduled_event_runs_the_health_check(table: str) -> None:
    """The Scheduled Event sample drives the health handler over the devices the table has."""
    ingest_handler.handler(docs_post([reading(0, 19.0)]), None)
    event = published("aws-sam-cli/DynamoDBUpdate.json")
    with_readings(event["Records"][:1], [{"NewImage": stored_item(table, 0)}])
    stream_handler.handler({"Records": event["Records"][:1]}, None)
    result = health.handler(published("aws-sam-cli/ScheduledEvent.json"), None)
    assert result["devices"] == 1
    json.dumps(result)  # an EventBridge target's result is discarded, but must serialise
