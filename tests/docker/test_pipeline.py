"""The pipeline through the built images: POST -> ingest image -> table -> stream image."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.docker.harness import Stack
from tests.docker.payloads import post_ok, reading

# LocalStack's first start downloads its parts: the module's stack may take minutes there.
TIMEOUT = 900 if os.environ.get("E2E_BACKEND") == "localstack" else 120
pytestmark = [pytest.mark.docker, pytest.mark.timeout(TIMEOUT)]


def test_posted_reading_is_stored_by_the_ingest_image(stack: Stack) -> None:
    """A signed POST of one reading answers {"stored": 1} and the reading item is in the table."""
    device = f"e2e-{uuid.uuid4().hex[:6]}"
    assert post_ok(stack, reading(device, 5, 19.5)) == {"stored": 1}
    item = stack.item(f"DEVICE#{device}", "READING#2026-11-21T20:05:00.000Z")
    assert item is not None, stack.logs()
    assert item["temperature_c"] == {"N": "19.5"}


def test_posted_readings_are_rolled_up_by_the_stream_image(stack: Stack) -> None:
    """Two readings posted in one hour appear in that hour's rollup and the device status."""
    device = f"e2e-{uuid.uuid4().hex[:6]}"
    post_ok(stack, {"readings": [reading(device, 10, 18.0), reading(device, 20, 22.0)]})
    pk = f"DEVICE#{device}"

    def hourly_with_both() -> dict[str, object] | None:
        item = stack.item(pk, "HOUR#2026-11-21T20")
        return item if item and item["reading_count"] == {"N": "2"} else None

    hourly = stack.eventually("hourly rollup of 2 readings", hourly_with_both)
    assert float(hourly["temperature_mean_c"]["N"]) == pytest.approx(20.0)  # type: ignore[index]
    status = stack.eventually("device status", lambda: stack.item(pk, "STATUS"))
    assert status["last_recorded_at"] == {"S": "2026-11-21T20:20:00.000Z"}
