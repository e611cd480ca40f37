"""Readings and the POST helper shared by the Docker scenarios."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.docker.harness import Stack

# The scenarios' readings are minutes after this hour (65 is 21:05).
HOUR = datetime(2026, 11, 21, 20, tzinfo=UTC)


def reading(device_id: str, minute: int, temperature_c: float) -> dict[str, object]:
    return {
        "device_id": device_id,
        "recorded_at": (HOUR + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:00.000Z"),
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
