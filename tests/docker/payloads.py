"""Readings and the POST helper shared by the Docker scenarios."""

from __future__ import annotations

from tests.docker.harness import Stack


def reading(device_id: str, minute: int, temperature_c: float) -> dict[str, object]:
    return {
        "device_id": device_id,
        "recorded_at": f"2026-11-21T20:{minute:02d}:00.000Z",
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
