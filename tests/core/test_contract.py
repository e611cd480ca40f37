"""The reading contract: both wire formats, and the values that are not data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from thermostat.contract import (
    LegacyDefaults,
    Reading,
    ReadingError,
    format_timestamp,
    parse_reading,
)
from thermostat.items import ReadingItem, reading_sk

V2 = {
    "device_id": "living-room",
    "recorded_at": "2026-11-21T21:00:00+01:00",
    "temperature_c": 20.5,
    "setpoint_c": 21,
    "heating": True,
}
# The original README's curl: the v1 format, numbers as strings, no offset, Fahrenheit.
V1 = {
    "record_date": "2022-02-03T13:22:22",
    "thermostat_on": True,
    "temperature": "65",
    "thermostat_value": "64",
}


def test_v2_reading_is_stored_in_utc_with_z() -> None:
    """recorded_at with an offset becomes fixed-width UTC with Z."""
    reading = parse_reading(V2)
    assert reading.timestamp == "2026-11-21T20:00:00.000Z"
    assert reading.to_wire()["recorded_at"] == "2026-11-21T20:00:00.000Z"


def test_seed_curl_payload_with_strings_and_no_offset_is_accepted() -> None:
    """The original README's curl (numbers as strings, no offset) parses, in Fahrenheit."""
    reading = parse_reading(V1, defaults=LegacyDefaults(device_id="shop"))
    assert reading == Reading(
        device_id="shop",
        recorded_at=datetime(2022, 2, 3, 13, 22, 22, tzinfo=UTC),
        temperature_c=18.333,
        setpoint_c=17.778,
        heating=True,
    )


def test_v1_offset_is_honoured_and_legacy_zone_applies_to_naive_dates() -> None:
    """A v1 date with offset keeps it; a naive one takes the configured zone."""
    with_offset = {**V1, "record_date": "2022-02-03T13:22:22-06:00", "temperature": 65.0}
    assert parse_reading(with_offset).timestamp == "2022-02-03T19:22:22.000Z"
    naive = dict(with_offset, record_date="2022-02-03T13:22:22")
    chicago = LegacyDefaults(timezone="America/Chicago")
    assert parse_reading(naive, defaults=chicago).timestamp == "2022-02-03T19:22:22.000Z"


def test_v1_celsius_is_not_converted_when_configured() -> None:
    """legacy unit C keeps the numbers as they are."""
    legacy = {**V1, "temperature": "19.5", "thermostat_value": "20"}
    reading = parse_reading(legacy, defaults=LegacyDefaults(unit="C"))
    assert (reading.temperature_c, reading.setpoint_c) == (19.5, 20.0)


@pytest.mark.parametrize(
    ("temperature", "message"),
    [
        (85.0, "power-on"),
        (-127, "read-error"),
        (61, "outside"),
        (-41, "outside"),
    ],
)
def test_broken_sensor_values_are_validation_errors(temperature: float, message: str) -> None:
    """85.0 C, -127 C and implausible temperatures are rejected with a reason."""
    with pytest.raises(ReadingError) as caught:
        parse_reading({**V2, "temperature_c": temperature})
    assert caught.value.errors[0]["loc"] == "temperature_c"
    assert message in caught.value.errors[0]["msg"]


def test_v1_power_on_value_in_fahrenheit_is_rejected_under_its_own_name() -> None:
    """185 F is 85.0 C: rejected, and reported as 'temperature' as the v1 client named it."""
    with pytest.raises(ReadingError) as caught:
        parse_reading({**V1, "temperature": 185})
    assert caught.value.errors == [
        {"loc": "temperature", "msg": "85.0 C is the DS18B20 power-on value, not a measurement"}
    ]


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"recorded_at": "2026-11-21T20:00:00"}, "recorded_at"),
        ({"recorded_at": "1970-01-01T00:00:10Z"}, "recorded_at"),
        ({"recorded_at": "0001-01-01T00:00:00+01:00"}, "recorded_at"),
        ({"recorded_at": "9999-12-31T23:59:59-01:00"}, "recorded_at"),
        ({"recorded_at": format_timestamp(datetime.now(UTC) + timedelta(hours=1))}, "recorded_at"),
        ({"device_id": "has space"}, "device_id"),
        ({"device_id": ""}, "device_id"),
        ({"temperature_c": True}, "temperature_c"),
        ({"temperature_c": "warm"}, "temperature_c"),
        ({"temperature_c": float("nan")}, "temperature_c"),
        ({"setpoint_c": 50}, "setpoint_c"),
        ({"heating": "maybe"}, "heating"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_invalid_v2_fields_are_named(change: dict[str, object], loc: str) -> None:
    """Each invalid field is reported by its name."""
    with pytest.raises(ReadingError) as caught:
        parse_reading({**V2, **change})
    assert [error["loc"] for error in caught.value.errors] == [loc]


def test_non_object_reading_is_rejected() -> None:
    """A reading must be a JSON object."""
    with pytest.raises(ReadingError, match="JSON object"):
        parse_reading([1, 2])


def test_reading_item_has_keys_ttl_and_caller() -> None:
    """The stored item carries its keys, a TTL from recorded_at, and the caller."""
    reading = parse_reading(V2)
    received = datetime(2026, 11, 21, 20, 0, 1, tzinfo=UTC)
    item = ReadingItem.new(
        reading, received_at=received, retention_days=10, caller="arn:x"
    ).to_item()
    assert item["pk"] == "DEVICE#living-room"
    assert item["sk"] == reading_sk(reading.recorded_at) == "READING#2026-11-21T20:00:00.000Z"
    assert item["expires_at"] == int((reading.recorded_at + timedelta(days=10)).timestamp())
    assert item["caller"] == "arn:x"
    forever = ReadingItem.new(reading, received_at=received, retention_days=0).to_item()
    assert "expires_at" not in forever
