"""Hypothesis strategies for what a Function URL can deliver: readings, near-misses, junk.

Valid readings are drawn well inside the contract's bounds (the oracle says 200); each
mutation in ``INVALID_MUTATIONS`` breaks exactly one field in a way no lax coercion can
rescue (the oracle says 422 naming that reading). Everything else is checked by the
invariants alone: no 5xx, a JSON error body on 4xx, nothing stored unless the reading is valid.
"""

from __future__ import annotations

import json
import operator
import string
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from thermostat.contract import format_timestamp

FIELDS = ("device_id", "recorded_at", "temperature_c", "setpoint_c", "heating")
LEGACY_FIELDS = ("record_date", "thermostat_on", "temperature", "thermostat_value")
# Well inside 2000..now, so neither bound nor the clock-skew rule decides the outcome.
EARLIEST = datetime(2000, 1, 2, tzinfo=UTC)
LATEST = datetime(2025, 12, 31, tzinfo=UTC)

# Built from characters rather than st.from_regex: ten times cheaper per example.
_ALNUM = string.ascii_letters + string.digits
device_ids = st.builds(
    operator.add, st.sampled_from(_ALNUM), st.text(_ALNUM + "_.:-", max_size=12)
) | st.sampled_from(["living-room", "Z" * 64, "pi:3.b_2-c"])
offsets = st.integers(-14 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))
moments = st.integers(int(EARLIEST.timestamp() * 1e6), int(LATEST.timestamp() * 1e6)).map(
    lambda us: datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)
)


def _spell(moment: datetime, offset: timezone, timespec: str, zulu: bool) -> tuple[datetime, str]:
    text = moment.astimezone(offset).isoformat(timespec=timespec)
    if zulu and text.endswith("+00:00"):
        text = text[: -len("+00:00")] + "Z"
    return moment, text


def timestamps() -> st.SearchStrategy[tuple[datetime, str]]:
    """A UTC moment and one of its valid RFC 3339 spellings (Z or an offset, 0-6 digits)."""
    timespecs = st.sampled_from(["seconds", "milliseconds", "auto"])
    return st.builds(_spell, moments, offsets, timespecs, st.booleans())


def numbers(low: float, high: float) -> st.SearchStrategy[float | int]:
    return st.floats(low, high) | st.integers(int(low) + 1, int(high) - 1)


@st.composite
def valid_readings(draw: st.DrawFn, device: str | None = None) -> dict[str, Any]:
    _, text = draw(timestamps())
    return {
        "device_id": device or draw(device_ids),
        "recorded_at": text,
        "temperature_c": draw(numbers(-40, 60)),
        "setpoint_c": draw(numbers(5, 35)),
        "heating": draw(st.booleans()),
    }


def reading_key(reading: dict[str, Any]) -> tuple[str, str]:
    """The stored key of a valid v2 reading (device, UTC time truncated to ms)."""
    moment = datetime.fromisoformat(reading["recorded_at"]).astimezone(UTC)
    return reading["device_id"], format_timestamp(moment)


unique_batches = st.lists(valid_readings(), min_size=1, max_size=5, unique_by=reading_key)


def _neighbours(first: dict[str, Any], extra: int) -> list[dict[str, Any]]:
    """``first`` and ``extra`` valid readings a few seconds after it (distinct keys)."""
    moment = datetime.fromisoformat(first["recorded_at"])
    batch = [first]
    for k in range(1, extra + 1):
        batch.append(
            {
                **first,
                "recorded_at": (moment + timedelta(seconds=k)).isoformat(timespec="milliseconds"),
                "temperature_c": round(
                    (float(first["temperature_c"]) + 40 + 7.3 * k) % 100 - 40, 3
                ),
                "heating": not first["heating"] if k % 2 else first["heating"],
            }
        )
    return batch


# Cheaper than unique_batches (one reading drawn, the rest derived): for the tests whose
# subject is not the readings' variety but what is done to one of them.
cheap_batches = st.builds(_neighbours, valid_readings(), st.integers(0, 4))


@st.composite
def legacy_readings(draw: st.DrawFn) -> dict[str, Any]:
    """The Rust client's v1 payload: Fahrenheit, maybe-string numbers, maybe-naive dates."""
    moment, text = draw(timestamps())
    if draw(st.booleans()):
        text = moment.replace(tzinfo=None).isoformat()

    def number(low: float, high: float) -> Any:
        value = draw(numbers(low, high))
        return str(value) if draw(st.booleans()) else value

    payload = {
        "record_date": text,
        "thermostat_on": draw(st.booleans()),
        "temperature": number(-39, 139),
        "thermostat_value": number(42, 94),
    }
    if draw(st.booleans()):
        payload["device_id"] = draw(device_ids)
    return payload


# One field broken: a wrong value, or a JSON type v2 does not take (it is strict: no numbers
# as strings, no 1 for true, no Unix times).
INVALID_VALUES: dict[str, list[Any]] = {
    "device_id": ["", "x" * 65, "has space", "-leading", "ünï", "a\n", 5, None, [], {}],
    "recorded_at": [
        1764000000,
        1764000000.5,
        True,
        "2026-11-21T20:00:00",
        "1999-12-31T23:59:59Z",
        "2999-01-01T00:00:00Z",
        "9999-12-31T23:59:59-05:00",
        "0001-01-01T00:00:00+05:00",
        "yesterday",
        "",
        None,
        [],
    ],
    "temperature_c": [
        85.0,
        -127.0,
        60.01,
        -40.01,
        1e308,
        True,
        "warm",
        None,
        [],
        {},
        "NaN",
        "20.5",
        "20",
    ],
    "setpoint_c": [4.99, 35.01, False, "hot", None, -1e308, "inf", "20", 68],
    "heating": ["maybe", 2, -1, None, [], 0.5, "", {}, 1, 0, "true", "yes"],
}
INVALID_MUTATIONS = [("drop", name, None) for name in FIELDS] + [
    ("set", name, value) for name, values in INVALID_VALUES.items() for value in values
]
INVALID_MUTATIONS.append(("set", "humidity_pct", 40))  # extra keys are refused


def mutate(reading: dict[str, Any], mutation: tuple[str, str, Any]) -> dict[str, Any]:
    action, name, value = mutation
    changed = dict(reading)
    if action == "drop":
        del changed[name]
    else:
        changed[name] = value
    return changed


def wrap(items: list[Any], shape: str) -> Any:
    """One reading alone, a JSON array, or the batch object."""
    if shape == "single" and len(items) == 1:
        return items[0]
    return items if shape == "list" else {"readings": items}


shapes = st.sampled_from(["single", "list", "object"])


def dumps(document: Any) -> str:
    return json.dumps(document)  # allow_nan: NaN/Infinity tokens are part of the attack
