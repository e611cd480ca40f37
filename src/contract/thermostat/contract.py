"""The reading contract: one typed model shared by the Pi client and both functions.

Two wire formats are accepted and both become the same :class:`Reading`:

* **v2** (this project): ``device_id``, ``recorded_at`` (RFC 3339 with an offset),
  ``temperature_c``, ``setpoint_c``, ``heating``. The unit is part of the field name.
* **v1** (the original Rust Pi client): ``record_date``, ``thermostat_on``,
  ``temperature``, ``thermostat_value``; numbers may be strings, the date may lack an
  offset, temperatures are in the legacy unit (Fahrenheit by default) and there is no
  device, so a configured default device id is used.

Values a broken DS18B20 produces (85.0 C at power-on, -127 C on a read error) and values
outside what a home can plausibly measure are validation errors, never data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

DEVICE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"

# A home thermostat that reports outside this range has a broken sensor or wiring.
TEMPERATURE_MIN_C = -40.0
TEMPERATURE_MAX_C = 60.0
SETPOINT_MIN_C = 5.0
SETPOINT_MAX_C = 35.0
# DS18B20 sentinels: the power-on reset value and the "no answer" value many drivers use.
DS18B20_POWER_ON_C = 85.0
DS18B20_READ_ERROR_C = -127.0

# Readings are stored to 0.001 C: finer than any DS18B20 (0.0625 C) and exact in DynamoDB.
DECIMAL_PLACES = 3
# A Pi without a real-time clock boots in 1970 until NTP answers: such a reading is wrong.
EARLIEST_RECORDED_AT = datetime(2000, 1, 1, tzinfo=UTC)
# Clock skew tolerated for readings that claim to come from the future.
MAX_CLOCK_SKEW = timedelta(minutes=5)

LegacyUnit = Literal["C", "F"]


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"unknown time zone {value!r}") from err
    return value


# An IANA time zone name this machine's tz database knows (a schedule's, a v1 payload's).
ZoneName = Annotated[str, AfterValidator(_known_zone)]


def format_timestamp(moment: datetime) -> str:
    """Render a moment as fixed-width UTC RFC 3339 with milliseconds and ``Z``.

    Fixed width keeps DynamoDB sort keys in time order (``...00Z`` would sort after
    ``...00.500Z`` otherwise).
    """
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_timestamp(text: str) -> datetime:
    """Parse an RFC 3339 timestamp that carries an offset (``Z`` or ``+hh:mm``)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no UTC offset")
    try:
        return moment.astimezone(UTC)
    except OverflowError as err:
        raise ValueError(f"timestamp {text!r} is out of range") from err


def fahrenheit_to_celsius(value: float) -> float:
    return round((value - 32.0) * 5.0 / 9.0, DECIMAL_PLACES)


def _fahrenheit_hint(value: float, low: float, high: float) -> str:
    """Why an out-of-range Celsius value may be Fahrenheit, or ""."""
    as_celsius = fahrenheit_to_celsius(value)
    if value > high and low <= as_celsius <= high:
        return f"; it looks like Fahrenheit ({value:g} F = {as_celsius:.1f} C): send Celsius"
    return ""


def _check_temperature(value: float) -> float:
    value = round(value, DECIMAL_PLACES)
    if value == DS18B20_POWER_ON_C:
        raise ValueError("85.0 C is the DS18B20 power-on value, not a measurement")
    if value == DS18B20_READ_ERROR_C:
        raise ValueError("-127 C is the DS18B20 read-error value, not a measurement")
    if not TEMPERATURE_MIN_C <= value <= TEMPERATURE_MAX_C:
        hint = _fahrenheit_hint(value, TEMPERATURE_MIN_C, TEMPERATURE_MAX_C)
        raise ValueError(
            f"temperature {value} C is outside {TEMPERATURE_MIN_C}..{TEMPERATURE_MAX_C} C"
            + (hint or "; the sensor is probably broken")
        )
    return value


def _check_setpoint(value: float) -> float:
    value = round(value, DECIMAL_PLACES)
    if not SETPOINT_MIN_C <= value <= SETPOINT_MAX_C:
        hint = _fahrenheit_hint(value, SETPOINT_MIN_C, SETPOINT_MAX_C)
        raise ValueError(
            f"setpoint {value} C is outside {SETPOINT_MIN_C}..{SETPOINT_MAX_C} C{hint}"
        )
    return value


def _check_recorded_at(value: datetime) -> datetime:
    try:
        value = value.astimezone(UTC)
    except OverflowError as err:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise ValueError("recorded_at is out of range") from err
    value = value.replace(microsecond=value.microsecond // 1000 * 1000)
    if value < EARLIEST_RECORDED_AT:
        raise ValueError("recorded_at is before 2000: the device clock is not set")
    if value > datetime.now(UTC) + MAX_CLOCK_SKEW:
        raise ValueError("recorded_at is in the future: check the device clock")
    return value


def _reject_bool(value: Any) -> Any:
    # JSON true/false must not silently become 1.0/0.0 degrees.
    if isinstance(value, bool):
        raise ValueError("a temperature must be a number, not a boolean")
    return value


Number = Annotated[float, BeforeValidator(_reject_bool)]


class Reading(BaseModel):
    """One thermostat reading, in Celsius, timestamped in UTC."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    device_id: str = Field(pattern=DEVICE_ID_PATTERN)
    recorded_at: AwareDatetime
    temperature_c: Number
    setpoint_c: Number
    heating: bool

    _temperature = field_validator("temperature_c")(_check_temperature)
    _setpoint = field_validator("setpoint_c")(_check_setpoint)
    _recorded_at = field_validator("recorded_at")(_check_recorded_at)

    @property
    def timestamp(self) -> str:
        """``recorded_at`` as stored: fixed-width UTC RFC 3339 with ``Z``."""
        return format_timestamp(self.recorded_at)

    def to_wire(self) -> dict[str, Any]:
        """The v2 JSON object for this reading, as the Pi sends it."""
        return {
            "device_id": self.device_id,
            "recorded_at": self.timestamp,
            "temperature_c": self.temperature_c,
            "setpoint_c": self.setpoint_c,
            "heating": self.heating,
        }


class LegacyReading(BaseModel):
    """The original Rust client's ``TempData`` payload, accepted unchanged."""

    # Built on first use: only the ingest function parses v1, and the Pi's memory matters.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, defer_build=True)

    record_date: datetime
    thermostat_on: bool
    temperature: Number
    thermostat_value: Number
    # Not in the original struct; allowed so one legacy client can name itself.
    device_id: str | None = Field(default=None, pattern=DEVICE_ID_PATTERN)


@dataclass(frozen=True)
class LegacyDefaults:
    """How to complete a v1 payload: which device, unit and time zone it implies."""

    device_id: str = "default"
    unit: LegacyUnit = "F"
    timezone: str = "UTC"

    @property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.timezone)


class ReadingError(ValueError):
    """A payload item that is not a valid reading; ``errors`` names each problem."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['loc']}: {e['msg']}" for e in errors))
        self.errors = errors


def describe_validation_error(err: ValidationError, *, prefix: str = "") -> list[dict[str, str]]:
    """Turn pydantic's errors into ``[{"loc": "temperature_c", "msg": "..."}]``.

    The offending input is left out on purpose: it may be large and the caller has it.
    """
    described = []
    for item in err.errors(include_url=False, include_input=False, include_context=False):
        loc = ".".join(str(part) for part in item["loc"]) or "(root)"
        msg = item["msg"].removeprefix("Value error, ")
        described.append({"loc": prefix + loc, "msg": msg})
    return described


def _legacy_to_reading(legacy: LegacyReading, defaults: LegacyDefaults) -> dict[str, Any]:
    recorded_at = legacy.record_date
    if recorded_at.tzinfo is None:
        recorded_at = recorded_at.replace(tzinfo=defaults.tz)
    temperature, setpoint = legacy.temperature, legacy.thermostat_value
    if defaults.unit == "F":
        temperature, setpoint = fahrenheit_to_celsius(temperature), fahrenheit_to_celsius(setpoint)
    return {
        "device_id": legacy.device_id or defaults.device_id,
        "recorded_at": recorded_at,
        "temperature_c": temperature,
        "setpoint_c": setpoint,
        "heating": legacy.thermostat_on,
    }


# A v1 payload's problems are reported under the names its sender used.
_LEGACY_FIELD_NAMES = {
    "temperature_c": "temperature",
    "setpoint_c": "thermostat_value",
    "recorded_at": "record_date",
    "heating": "thermostat_on",
}


def _celsius_hint(legacy: LegacyReading, defaults: LegacyDefaults) -> str:
    """Why a v1 payload read as Fahrenheit may really be Celsius, or ""."""
    if defaults.unit == "F" and SETPOINT_MIN_C <= legacy.thermostat_value <= SETPOINT_MAX_C:
        return (
            f"; thermostat_value {legacy.thermostat_value:g} looks like Celsius: this stack reads"
            " v1 payloads in Fahrenheit (template parameter LegacyTemperatureUnit=C changes it)"
        )
    return ""


def _parse_legacy(payload: dict[str, Any], defaults: LegacyDefaults) -> Reading:
    legacy = LegacyReading.model_validate(payload)
    converted = _legacy_to_reading(legacy, defaults)
    try:
        return Reading.model_validate(converted)
    except ValidationError as err:
        errors = describe_validation_error(err)
        hint = _celsius_hint(legacy, defaults)
        for error in errors:
            error["loc"] = _LEGACY_FIELD_NAMES.get(error["loc"], error["loc"])
            error["msg"] += hint
        raise ReadingError(errors) from err


def parse_reading(payload: Any, *, defaults: LegacyDefaults | None = None) -> Reading:
    """Validate one JSON object in either wire format; raise :class:`ReadingError`.

    v2 is strict: JSON types exactly as documented (``recorded_at`` an RFC 3339 string with an
    offset, temperatures numbers, ``heating`` true or false). The v1 payload keeps the
    original client's leniency (numbers as strings, a date without offset).
    """
    if not isinstance(payload, dict):
        raise ReadingError([{"loc": "(root)", "msg": "a reading must be a JSON object"}])
    try:
        if "record_date" in payload:
            return _parse_legacy(payload, defaults or LegacyDefaults())
        # JSON mode, strict: a string is never a number, 1 is never true, a Unix time is
        # never a date. The payload came from JSON, so it goes back to JSON losslessly.
        return Reading.model_validate_json(json.dumps(payload), strict=True)
    except ValidationError as err:
        raise ReadingError(describe_validation_error(err)) from err
