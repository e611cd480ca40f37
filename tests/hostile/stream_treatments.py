"""What a hostile stream batch does to real records: each treatment keeps a record valid or
breaks it, and says which (the oracle of test_stream_records.py).

Kinds: "reading" rolls up and updates the status, "remove" rolls up only, "ignored" touches
nothing, "bad" must fail alone.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

Record = dict[str, Any]
Treatment = Callable[[Record], None]


def _image(record: Record) -> dict[str, Any]:
    image: dict[str, Any] = record["dynamodb"]["NewImage"]
    return image


def _set(name: str, value: dict[str, Any]) -> Treatment:
    return lambda r: _image(r).__setitem__(name, value)


def _drop(name: str) -> Treatment:
    return lambda r: _image(r).pop(name)


def _key(name: str, value: dict[str, Any]) -> Treatment:
    return lambda r: r["dynamodb"]["Keys"].__setitem__(name, value)


def _remove(ttl: bool) -> Treatment:
    def treat(record: Record) -> None:
        record["eventName"] = "REMOVE"
        record["dynamodb"]["OldImage"] = record["dynamodb"].pop("NewImage")
        if ttl:
            record["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}

    return treat


def _modify(record: Record) -> None:
    record["eventName"] = "MODIFY"
    record["dynamodb"]["OldImage"] = copy.deepcopy(_image(record))


# Each treatment: (name, effect on the record, kind). Kinds: "reading" rolls up and updates
# the status, "remove" rolls up only, "ignored" touches nothing, "bad" must fail alone.
TREATMENTS: list[tuple[str, Treatment, str]] = [
    ("keep", lambda r: None, "reading"),
    ("extra attribute", _set("colour", {"S": "red"}), "reading"),
    ("modify", _modify, "reading"),
    ("remove", _remove(ttl=False), "remove"),
    ("ttl expiry", _remove(ttl=True), "ignored"),
    ("other item type", _key("sk", {"S": "CONFIG#firmware"}), "ignored"),
    ("own rollup", _key("sk", {"S": "HOUR#2026-11-21T07"}), "ignored"),
    ("own status", _key("sk", {"S": "STATUS"}), "ignored"),
]
for _name in ("device_id", "recorded_at", "temperature_c", "setpoint_c", "heating", "received_at"):
    TREATMENTS.append((f"no {_name}", _drop(_name), "bad"))
_MISTYPED: list[tuple[str, dict[str, Any]]] = [
    ("temperature_c", {"S": "warm"}),
    ("temperature_c", {"NULL": True}),
    ("temperature_c", {"L": []}),
    ("temperature_c", {"N": "85.0"}),
    ("setpoint_c", {"M": {}}),
    ("setpoint_c", {"N": "99"}),
    ("heating", {"S": "maybe"}),
    ("heating", {"NULL": True}),
    ("received_at", {"S": "garbage"}),
    ("received_at", {"N": "5"}),
    ("device_id", {"S": "someone-else"}),
    ("device_id", {"L": []}),
    ("recorded_at", {"S": "2026-11-21T99:00:00.000Z"}),
    ("recorded_at", {"S": "2001-01-01T00:00:00.000Z"}),
]
for _name, _value in _MISTYPED:
    TREATMENTS.append((f"{_name}={_value}", _set(_name, _value), "bad"))
TREATMENTS += [
    ("sk is a number", _key("sk", {"N": "1"}), "bad"),
    ("sk time garbled", _key("sk", {"S": "READING#yesterday"}), "bad"),
    ("pk not a device", _key("pk", {"S": "WHAT#hall"}), "bad"),
    ("pk is a number", _key("pk", {"N": "7"}), "bad"),
    ("no Keys", lambda r: r["dynamodb"].pop("Keys"), "bad"),
    ("INSERT without NewImage", lambda r: r["dynamodb"].pop("NewImage"), "bad"),
    ("unknown eventName", lambda r: r.__setitem__("eventName", "UPSERT"), "bad"),
    ("no eventName", lambda r: r.pop("eventName"), "bad"),
]
GOOD = [t for t in TREATMENTS if t[2] != "bad"]
BAD = [t for t in TREATMENTS if t[2] == "bad"]
