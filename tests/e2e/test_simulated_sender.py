"""The built-in simulated Pi (used when thermostat-pi is not installed) through the URL."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from devstack.simulated_pi import SimulatedSender, signed_post
from tests.e2e.e2e_support import KEY, SECRET, Pipeline, wait_for

pytestmark = pytest.mark.e2e


def endpoints(pipeline: Pipeline, secret: str = SECRET) -> dict[str, str]:
    return {
        "ingest_url": pipeline.url,
        "region": "us-east-1",
        "access_key_id": KEY,
        "secret_access_key": secret,
        "auth_type": "AWS_IAM",
    }


def readings_of(pipeline: Pipeline, device: str) -> int:
    answer = pipeline.client("dynamodb").query(
        TableName=pipeline.table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :r)",
        ExpressionAttributeValues={":pk": {"S": f"DEVICE#{device}"}, ":r": {"S": "READING#"}},
    )
    return int(answer["Count"])


def test_sender_posts_signed_readings_until_stopped(pipeline: Pipeline) -> None:
    """Every simulated reading is accepted (200) and stored."""
    device = f"sim-{uuid.uuid4().hex[:6]}"
    sender = SimulatedSender(endpoints(pipeline), device_id=device, interval=0.05)
    sender.start()
    try:
        wait_for(lambda: readings_of(pipeline, device) >= 3, timeout=10)
    finally:
        sender.stop()
    assert sender.sent and set(sender.sent) == {200}
    assert readings_of(pipeline, device) == len(sender.sent)


def test_wrong_secret_is_refused(pipeline: Pipeline) -> None:
    """A signature made with another secret gets 403 from the Function URL."""
    body = {
        "device_id": "sim-wrong",
        "recorded_at": datetime.now(UTC).isoformat(),
        "temperature_c": 20.0,
        "setpoint_c": 20.0,
        "heating": False,
    }
    status = signed_post(
        pipeline.url, json.dumps(body).encode(), endpoints(pipeline, secret="not-it")
    )
    assert status == 403
