"""Send one event to the real ingest app (store on moto_server) and check the invariants."""

from __future__ import annotations

import base64
import copy
import json
import logging
from typing import Any

from tests.hostile.conftest import RecordingClient
from tests.support.events import load
from tests.support.table import all_items, plain
from thermostat.contract import Reading
from thermostat.items import ReadingItem
from thermostat_ingest import handler as ingest_handler
from thermostat_ingest.store import ReadingStore

ERROR_CODES = {
    400: {"malformed_json", "empty_batch"},
    405: {"method_not_allowed"},
    413: {"payload_too_large", "too_many_readings"},
    415: {"unsupported_media_type"},
    422: {"invalid_readings"},
    429: {"rate_limited"},
}
_TEMPLATE = load("function_url_v2.json")


def event(
    body: str | None,
    *,
    base64_encoded: bool = False,
    method: str = "POST",
    content_type: str | None = "application/json",
    header_name: str = "content-type",
) -> dict[str, Any]:
    """A Function URL event as Lambda builds it: string headers, body text or base64."""
    built: dict[str, Any] = copy.deepcopy(_TEMPLATE)
    built["requestContext"]["http"]["method"] = method
    del built["headers"]["content-type"]
    if content_type is not None:
        built["headers"][header_name] = content_type
    if body is None:
        del built["body"]
    elif base64_encoded:
        built["body"] = base64.b64encode(body.encode("utf-8", "surrogatepass")).decode()
    else:
        built["body"] = body
    built["isBase64Encoded"] = base64_encoded
    return built


class Exchange:
    """The ingest app against moto, with every write it makes on record.

    It knows what the table holds, so it can say which readings of a batch must conflict
    (same device and time stored with other values: 409, never overwritten).
    """

    def __init__(self, table: str, **environment: str) -> None:
        self.table = table
        self.client = RecordingClient()
        env = {
            "TABLE_NAME": table,
            # The generated dates span 2000-2025 and one device sends thousands of readings:
            # retention and the rate limit have their own tests below.
            "READING_RETENTION_DAYS": "0",
            "DEVICE_READINGS_PER_MINUTE": "0",
            **environment,
        }
        self.app = ingest_handler.build_app(env)
        self.app.store = ReadingStore(self.client, table, sleep=lambda _: None)  # type: ignore[arg-type]
        # 10,000 requests' JSON log lines are not worth formatting for pytest's capture.
        self.app.logger = logging.getLogger("hostile.quiet")
        self.app.logger.disabled = True
        self.examples = 0
        self.stored: dict[tuple[str, str], Reading] = {}

    def conflicts(self, readings: list[Reading]) -> list[int]:
        """Positions of ``readings`` whose key is stored with other values."""
        return [
            n
            for n, reading in enumerate(readings)
            if self.stored.get(key_of(reading), reading) != reading
        ]

    def send(self, sent: dict[str, Any]) -> tuple[int, dict[str, Any], list[Reading]]:
        """Handle one event; assert the invariants; return status, body and readings written."""
        self.examples += 1
        self.client.writes.clear()
        response = self.app.handle(sent, "hostile")  # an exception here fails the example
        status = response["statusCode"]
        assert status < 500, response
        assert response["headers"]["Content-Type"] == "application/json"
        body = json.loads(response["body"])
        assert isinstance(body, dict)
        written = [ReadingItem.from_item(plain(item)) for item in self.client.writes]
        readings = [item.reading for item in written]  # from_item re-validates every item
        for item in written:
            key = key_of(item.reading)
            assert key not in self.stored, "a stored reading was overwritten"
            self.stored[key] = item.reading
        if status == 200:
            assert set(body) == {"stored"} and body["stored"] >= len(written)
        elif status == 409:
            assert body["error"] == "conflict" and body["items"], body
            assert len(body["stored"]) >= len(written)
        else:
            assert body["error"] in ERROR_CODES[status], body
            assert isinstance(body["message"], str) and body["message"]
            assert written == [], "a refused request wrote to the table"
        return status, body, readings

    def check_table(self) -> None:
        """The table holds exactly what was written, and all of it is valid."""
        items = all_items(self.table)
        for item in items:
            assert item["item_type"] == "reading"
        assert {key_of(ReadingItem.from_item(item).reading) for item in items} == set(self.stored)


def key_of(reading: Reading) -> tuple[str, str]:
    return reading.device_id, reading.timestamp
