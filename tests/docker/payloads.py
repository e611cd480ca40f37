"""Readings and the POST helper shared by the Docker scenarios."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.docker.harness import Stack

# The scenarios' readings are minutes after this hour (65 is the next hour's 5th minute): two
# days back, inside any retention period and never in the future, whenever the tests run.
HOUR = (datetime.now(UTC) - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
HOUR_LABEL = HOUR.strftime("%Y-%m-%dT%H")


def at(minute: int) -> str:
    """The contract's timestamp of ``minute`` minutes after HOUR."""
    return (HOUR + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:00.000Z")


def reading(device_id: str, minute: int, temperature_c: float) -> dict[str, object]:
    return {
        "device_id": device_id,
        "recorded_at": at(minute),
        "temperature_c": temperature_c,
        "setpoint_c": 20.0,
        "heating": temperature_c < 20.0,
    }


def post_ok(stack: Stack, body: object) -> dict[str, object]:
    response = stack.post(body)
    if response.status_code != 200:
        raise stack.fail(f"POST answered {response.status_code}: {response.text}")
    answer: dict[str, object] = response.json()
    return answer
