"""The ingest function through its Lambda handler, on moto_server and on DynamoDB Local."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.support.dynamodb_local import DynamoDBBackend
from tests.support.events import EVENTS, response_json, url_event
from tests.support.moto import free_port
from tests.support.table import all_items, items_of_type
from thermostat.contract import format_timestamp, parse_reading
from thermostat.items import ReadingItem
from thermostat_ingest import handler as ingest_handler
from thermostat_ingest.errors import StoreUnavailable
from thermostat_ingest.store import ReadingStore

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
START = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def reading(n: int = 0, device: str = "living-room", **changes: Any) -> dict[str, Any]:
    return {
        "device_id": device,
        "recorded_at": format_timestamp(START + timedelta(seconds=30 * n)),
        "temperature_c": 19.0 + (n % 10) / 10,
        "setpoint_c": 20.0,
        "heating": n % 2 == 0,
        **changes,
    }


@pytest.fixture
def ingest(stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Handler:
    monkeypatch.setenv("TABLE_NAME", stack["TableName"])
    monkeypatch.setattr(ingest_handler, "_app", None)
    return ingest_handler.handler


def readings_in(stack: dict[str, str]) -> list[dict[str, Any]]:
    return items_of_type(stack["TableName"], "reading")


def test_seed_curl_payload_is_stored(
    ingest: Handler, stack: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The original README's curl body is stored under the default device, in Celsius."""
    monkeypatch.setenv("READING_RETENTION_DAYS", "0")  # it is from 2022: keep it for ever
    response = ingest(url_event(raw=(EVENTS / "seed_curl_v1.json").read_text()), None)
    assert response["statusCode"] == 200
    assert response_json(response) == {"stored": 1}
    [item] = readings_in(stack)
    assert item["pk"] == "DEVICE#default"
    assert item["sk"] == "READING#2022-02-03T13:22:22.000Z"
    assert (float(item["temperature_c"]), float(item["setpoint_c"]), item["heating"]) == (
        18.333,
        17.778,
        True,
    )


def test_batch_of_100_is_stored_with_one_request(ingest: Handler, stack: dict[str, str]) -> None:
    """One POST of 100 readings stores 100 items."""
    response = ingest(url_event({"readings": [reading(n) for n in range(100)]}), None)
    assert (response["statusCode"], response_json(response)) == (200, {"stored": 100})
    assert len(readings_in(stack)) == 100


def test_list_body_and_base64_body_are_accepted(ingest: Handler, stack: dict[str, str]) -> None:
    """A bare JSON array, sent base64-encoded, is stored."""
    response = ingest(url_event([reading(1), reading(2)], base64_encoded=True), None)
    assert response_json(response) == {"stored": 2}
    assert len(readings_in(stack)) == 2


def test_same_reading_twice_stays_one_item(ingest: Handler, stack: dict[str, str]) -> None:
    """Re-sending a reading (in one batch, or again later) is a success and leaves one item."""
    first = ingest(url_event([reading(1), reading(1)]), None)
    again = ingest(url_event(reading(1)), None)
    assert [response_json(r) for r in (first, again)] == [{"stored": 1}, {"stored": 1}]
    [item] = readings_in(stack)
    assert item["received_at"] == first_received(stack)  # the resend wrote nothing


def first_received(stack: dict[str, str]) -> str:
    return str(readings_in(stack)[0]["received_at"])


def test_conflicting_resend_is_409_and_overwrites_nothing(
    ingest: Handler, stack: dict[str, str]
) -> None:
    """A later request with other values for a stored time: 409 naming it; the rest stored."""
    ingest(url_event(reading(1)), None)
    before = readings_in(stack)
    response = ingest(url_event([reading(0), reading(1, temperature_c=25.0)]), None)
    assert response["statusCode"] == 409
    body = response_json(response)
    assert (body["error"], body["stored"]) == ("conflict", [0])
    [problem] = body["items"]
    assert problem["index"] == 1
    assert "already stored with other values (19.1 C" in problem["errors"][0]["msg"]
    after = readings_in(stack)
    assert [i for i in after if i["sk"] == before[0]["sk"]] == before  # untouched
    assert len(after) == 2


def test_reading_older_than_retention_is_refused(ingest: Handler, stack: dict[str, str]) -> None:
    """With 365-day retention, the 2022 seed curl is a 422 that says why; nothing stored."""
    response = ingest(url_event(raw=(EVENTS / "seed_curl_v1.json").read_text()), None)
    assert response["statusCode"] == 422
    [item] = response_json(response)["items"]
    assert item["errors"][0]["loc"] == "record_date"  # the v1 sender's own name
    assert "older than the retention period" in item["errors"][0]["msg"]
    assert readings_in(stack) == []


def test_duplicate_json_keys_are_a_400(ingest: Handler, stack: dict[str, str]) -> None:
    """{"temperature_c": 20, "temperature_c": 99}: ambiguous, refused, nothing stored."""
    text = json.dumps(reading(1))[:-1] + ', "temperature_c": 99}'
    response = ingest(url_event(raw=text), None)
    assert response["statusCode"] == 400
    assert "'temperature_c' twice" in response_json(response)["message"]
    assert readings_in(stack) == []


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"recorded_at": 1764000000}, "recorded_at"),
        ({"temperature_c": "20.5"}, "temperature_c"),
        ({"setpoint_c": "20"}, "setpoint_c"),
        ({"heating": "yes"}, "heating"),
        ({"heating": 1}, "heating"),
        ({"device_id": 7}, "device_id"),
    ],
)
def test_v2_is_strict_about_json_types(
    ingest: Handler, stack: dict[str, str], changes: dict[str, Any], loc: str
) -> None:
    """v2 takes JSON types as documented: no numbers as strings, no 1 for true."""
    response = ingest(url_event(reading(1, **changes)), None)
    assert response["statusCode"] == 422
    assert response_json(response)["items"][0]["errors"][0]["loc"] == loc
    assert readings_in(stack) == []


def test_device_over_its_rate_gets_429_with_retry_after(
    ingest: Handler, stack: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past DEVICE_READINGS_PER_MINUTE (and its burst) a device gets 429; nothing stored."""
    monkeypatch.setenv("DEVICE_READINGS_PER_MINUTE", "6")
    monkeypatch.setenv("DEVICE_READINGS_BURST", "10")
    monkeypatch.setenv("MAX_READINGS_PER_REQUEST", "10")
    assert ingest(url_event([reading(n) for n in range(8)]), None)["statusCode"] == 200
    response = ingest(url_event([reading(n) for n in range(8, 12)]), None)
    assert response["statusCode"] == 429
    assert response["headers"]["Retry-After"] == "20"  # 2 readings short at 6 a minute
    assert response_json(response)["error"] == "rate_limited"
    assert len(readings_in(stack)) == 8
    other = ingest(url_event(reading(1, device="kitchen")), None)
    assert other["statusCode"] == 200  # the limit is per device


def test_iam_caller_is_recorded(ingest: Handler, stack: dict[str, str]) -> None:
    """The IAM-authenticated caller's ARN is stored on each reading; none without IAM."""
    ingest(url_event(reading(1)), None)
    ingest(url_event(reading(2), iam=False), None)
    first, second = readings_in(stack)
    assert first["caller"] == "arn:aws:iam::123456789012:user/living-room-pi"
    assert "caller" not in second


def test_ttl_is_set_from_recorded_at(ingest: Handler, stack: dict[str, str]) -> None:
    """expires_at is recorded_at plus the retention (365 days by default)."""
    ingest(url_event(reading(0)), None)
    [item] = readings_in(stack)
    assert int(item["expires_at"]) == int((START + timedelta(days=365)).timestamp())


@pytest.mark.parametrize(
    ("event", "status", "code"),
    [
        (url_event(reading(), method="GET"), 405, "method_not_allowed"),
        (url_event(reading(), content_type=None), 415, "unsupported_media_type"),
        (url_event(reading(), content_type="text/plain"), 415, "unsupported_media_type"),
        (url_event(raw='{"device_id": '), 400, "malformed_json"),
        (url_event(raw=""), 400, "malformed_json"),
        (url_event(raw="[[" * 100_000), 400, "malformed_json"),
        (url_event(raw="1" * 5000), 400, "malformed_json"),
        (url_event(raw='{"temperature_c": NaN}'), 400, "malformed_json"),
        (url_event(raw=b"\xff\xfe", base64_encoded=True), 400, "malformed_json"),
        (
            dict(url_event(reading()), body="%%%not-base64", isBase64Encoded=True),
            400,
            "malformed_json",
        ),
        (url_event(raw='"a string"'), 400, "malformed_json"),
        (url_event({"readings": {"not": "a list"}}), 400, "malformed_json"),
        (url_event([]), 400, "empty_batch"),
        (url_event({"readings": []}), 400, "empty_batch"),
        (url_event(raw=" " * (1024 * 1024 + 1)), 413, "payload_too_large"),
        (url_event([reading(n) for n in range(501)]), 413, "too_many_readings"),
        (url_event({"readings": [reading()], "extra": 1}), 422, "invalid_readings"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_bad_requests_get_4xx_with_json_error_and_store_nothing(
    ingest: Handler, stack: dict[str, str], event: dict[str, Any], status: int, code: str
) -> None:
    """Each kind of bad request gets its status and a JSON body naming the problem."""
    response = ingest(event, None)
    assert response["statusCode"] == status
    assert response["headers"]["Content-Type"] == "application/json"
    body = response_json(response)
    assert body["error"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert readings_in(stack) == []


def test_wrong_method_names_allowed_method(ingest: Handler) -> None:
    """A 405 carries Allow: POST."""
    assert ingest(url_event(reading(), method="PUT"), None)["headers"]["Allow"] == "POST"


def test_invalid_batch_names_each_bad_item_and_stores_nothing(
    ingest: Handler, stack: dict[str, str]
) -> None:
    """One bad reading in a batch: 422 listing exactly which items and why; nothing stored."""
    batch = [reading(0), reading(1, temperature_c=85.0), reading(2), reading(3, heating="x")]
    response = ingest(url_event(batch), None)
    assert response["statusCode"] == 422
    assert response_json(response) == {
        "error": "invalid_readings",
        "message": "2 of 4 readings are invalid; nothing was stored",
        "items": [
            {
                "index": 1,
                "errors": [
                    {
                        "loc": "temperature_c",
                        "msg": "85.0 C is the DS18B20 power-on value, not a measurement",
                    }
                ],
            },
            {
                "index": 3,
                "errors": [
                    {
                        "loc": "heating",
                        "msg": "Input should be a valid boolean",
                    }
                ],
            },
        ],
    }
    assert readings_in(stack) == []


def test_conflicting_duplicates_are_rejected(ingest: Handler, stack: dict[str, str]) -> None:
    """Two different readings for the same device and time: the second is invalid."""
    response = ingest(url_event([reading(0), reading(0, temperature_c=25.0)]), None)
    assert response["statusCode"] == 422
    assert response_json(response)["items"][0]["index"] == 1
    assert readings_in(stack) == []


def test_dynamodb_down_gives_503_and_writes_nothing(
    ingest: Handler,
    stack: dict[str, str],
    dynamodb: DynamoDBBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With DynamoDB unreachable: 503, a generic message, Retry-After, nothing written."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("DYNAMODB_MAX_ATTEMPTS", "1")
    response = ingest(url_event([reading(n) for n in range(30)]), None)
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "5"
    body = response_json(response)
    assert body == {
        "error": "service_unavailable",
        "message": "the readings could not all be stored; send them again",
        "stored": [],
    }
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb.endpoint_url)
    assert all_items(stack["TableName"]) == []


class FailingAfter:
    """A real DynamoDB client whose PutItem starts failing after ``calls`` calls."""

    def __init__(self, calls: int, *, unprocessed_rounds: int = 0) -> None:
        self._client = boto3.client("dynamodb")
        self._calls_left = calls
        self._unprocessed_rounds = unprocessed_rounds
        self._lock = threading.Lock()
        self.calls = 0

    def _throttled(self, operation: str) -> Exception:
        from botocore.exceptions import ClientError

        error = {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}
        return ClientError({"Error": error}, operation)

    def put_item(self, **kwargs: Any) -> Any:
        with self._lock:
            self.calls += 1
            failing = self._calls_left == 0
            self._calls_left = max(0, self._calls_left - 1)
        if failing:
            raise self._throttled("PutItem")
        return self._client.put_item(**kwargs)

    def batch_write_item(self, **kwargs: Any) -> Any:
        self.calls += 1
        if self._unprocessed_rounds:
            # Like throttling: DynamoDB takes nothing this round and hands it all back.
            self._unprocessed_rounds -= 1
            return {"UnprocessedItems": kwargs["RequestItems"]}
        return self._client.batch_write_item(**kwargs)


def app_with_client(stack: dict[str, str], client: FailingAfter) -> Any:
    app = ingest_handler.build_app({"TABLE_NAME": stack["TableName"]})
    app.store = ReadingStore(client, stack["TableName"], write_rounds=3, sleep=lambda _: None)  # type: ignore[arg-type]
    return app


def test_partial_failure_says_exactly_which_items_were_stored(stack: dict[str, str]) -> None:
    """DynamoDB fails after 25 puts: 503 lists exactly the 25 stored, and only those are."""
    app = app_with_client(stack, FailingAfter(25))
    response = app.handle(url_event([reading(n) for n in range(40)]))
    assert response["statusCode"] == 503
    listed = response_json(response)["stored"]
    stored = {item["recorded_at"] for item in items_of_type(stack["TableName"], "reading")}
    assert len(listed) == 25
    assert stored == {reading(n)["recorded_at"] for n in listed}


def test_unprocessed_items_are_retried_until_stored(stack: dict[str, str]) -> None:
    """Bulk writes (demo data): UnprocessedItems handed back twice are retried and stored."""
    client = FailingAfter(10, unprocessed_rounds=2)
    store = ReadingStore(client, stack["TableName"], write_rounds=3, sleep=lambda _: None)  # type: ignore[arg-type]
    store.put_all([item(n) for n in range(5)])
    assert client.calls == 3
    assert len(items_of_type(stack["TableName"], "reading")) == 5


def test_unprocessed_items_past_the_retry_budget_fail_naming_what_was_stored(
    stack: dict[str, str],
) -> None:
    """Bulk writes still unprocessed after every round: StoreUnavailable, nothing stored."""
    client = FailingAfter(10, unprocessed_rounds=5)
    store = ReadingStore(client, stack["TableName"], write_rounds=3, sleep=lambda _: None)  # type: ignore[arg-type]
    with pytest.raises(StoreUnavailable) as failed:
        store.put_all([item(n) for n in range(5)])
    assert failed.value.stored == []


def item(n: int) -> dict[str, Any]:
    return ReadingItem.new(parse_reading(reading(n)), received_at=START, retention_days=0).to_item()


def test_missing_table_name_is_a_clear_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without TABLE_NAME the function fails loudly, naming the variable."""
    from thermostat.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="TABLE_NAME"):
        ingest_handler.build_app({})
