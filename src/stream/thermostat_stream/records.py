"""Parse DynamoDB stream records into typed reading changes, at the edge.

A record that is not a reading (a rollup or status item) is not ours: ``None``. A reading
record that cannot be parsed is a :class:`PoisonRecord`: it fails alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from thermostat.contract import Reading
from thermostat.errors import ThermostatError
from thermostat.items import (
    PK,
    SK,
    ItemError,
    ReadingItem,
    device_id_from_pk,
    from_wire,
    is_reading_sk,
    recorded_at_from_sk,
)

EventName = Literal["INSERT", "MODIFY", "REMOVE"]
# TTL deletions are made by this service principal:
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html
TTL_PRINCIPAL = "dynamodb.amazonaws.com"


class PoisonRecord(ThermostatError, ValueError):
    """A reading's stream record that cannot be turned into a reading."""


@dataclass(frozen=True)
class ReadingChange:
    sequence_number: str
    event_name: EventName
    device_id: str
    recorded_at: datetime
    # The reading as it now is; None when it was removed.
    reading: Reading | None
    received_at: datetime | None
    expired: bool  # removed by TTL: history stays in the rollups
    stored: ReadingItem | None = None  # the whole item, when there is a new image


def _string(image: dict[str, Any], name: str) -> str:
    value = image.get(name)
    if not isinstance(value, dict) or not isinstance(value.get("S"), str):
        raise PoisonRecord(f"attribute {name!r} is missing or not a string")
    return str(value["S"])


def parse_record(record: dict[str, Any]) -> ReadingChange | None:
    """One stream record -> a ReadingChange, None (not a reading), or PoisonRecord."""
    change = record.get("dynamodb")
    if not isinstance(change, dict):
        raise PoisonRecord("the record has no 'dynamodb' section")
    sequence_number = change.get("SequenceNumber")
    if not isinstance(sequence_number, str) or not sequence_number:
        raise PoisonRecord("the record has no SequenceNumber")
    keys = change.get("Keys")
    if not isinstance(keys, dict):
        raise PoisonRecord("the record has no Keys")
    sk = _string(keys, SK)
    if not is_reading_sk(sk):
        return None
    event_name = record.get("eventName")
    if event_name not in ("INSERT", "MODIFY", "REMOVE"):
        raise PoisonRecord(f"unknown eventName {event_name!r}")
    try:
        device_id = device_id_from_pk(_string(keys, PK))
        recorded_at = recorded_at_from_sk(sk)
    except ValueError as err:
        raise PoisonRecord(f"reading key is malformed: {err}") from err

    reading = received_at = stored = None
    if event_name != "REMOVE":
        image = change.get("NewImage")
        if not isinstance(image, dict):
            raise PoisonRecord("an INSERT/MODIFY record has no NewImage (stream view type?)")
        try:
            stored = ReadingItem.from_item(from_wire(image))
        except ItemError as err:
            raise PoisonRecord(f"reading item is invalid: {err}") from err
        except (TypeError, ValueError, ArithmeticError) as err:  # not even DynamoDB JSON
            raise PoisonRecord(f"reading item is invalid: {err!r}") from err
        reading, received_at = stored.reading, stored.received_at
        if reading.device_id != device_id or reading.recorded_at != recorded_at:
            raise PoisonRecord("reading item attributes do not match its key")
    identity = record.get("userIdentity") or {}
    expired = (
        event_name == "REMOVE"
        and isinstance(identity, dict)
        and identity.get("principalId") == TTL_PRINCIPAL
    )
    return ReadingChange(
        sequence_number=sequence_number,
        event_name=event_name,
        device_id=device_id,
        recorded_at=recorded_at,
        reading=reading,
        received_at=received_at,
        expired=expired,
        stored=stored,
    )
