"""The DynamoDB single-table layout: every stored item as a type, and the only module that
spells an attribute name.

| item          | pk              | sk                                |
| ------------- | --------------- | --------------------------------- |
| reading       | ``DEVICE#<id>`` | ``READING#<UTC RFC 3339, ms, Z>`` |
| hourly rollup | ``DEVICE#<id>`` | ``HOUR#<YYYY-MM-DDTHH>``          |
| daily rollup  | ``DEVICE#<id>`` | ``DAY#<YYYY-MM-DD>``              |
| device status | ``DEVICE#<id>`` | ``STATUS``                        |

Status items also carry ``status_key = "STATUS"``, the partition key of the sparse
``DeviceStatusIndex``, so listing every device is one Query, not a Scan.

Each item type has ``to_item()`` (plain values, numbers as :class:`~decimal.Decimal`, the form
boto3's ``TypeSerializer`` takes) and ``from_item()`` (raises :class:`ItemError` for an item
that breaks the layout). :func:`to_wire` and :func:`from_wire` convert to and from DynamoDB's
wire format (``{"S": ...}``) with :mod:`thermostat.wire`, boto3's rules without boto3.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Self

from pydantic import ValidationError

from thermostat.contract import Reading, format_timestamp, parse_timestamp
from thermostat.device_settings import DeviceSettings
from thermostat.wire import deserialize, serialize

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

PK = "pk"
SK = "sk"
ITEM_TYPE = "item_type"
PK_PREFIX = "DEVICE#"
READING_PREFIX = "READING#"
HOUR_PREFIX = "HOUR#"
DAY_PREFIX = "DAY#"
STATUS_SK = "STATUS"
SETTINGS_SK = "SETTINGS"
STATUS_INDEX_NAME = "DeviceStatusIndex"
STATUS_INDEX_KEY = "status_key"
DEVICE_ID = "device_id"
TTL_ATTRIBUTE = "expires_at"
APPLIED_SEQUENCE = "applied_sequence"
RECOMPUTED_AT = "recomputed_at"
OPEN_HOUR = "open_hour"
VERSION = "version"
PENDING_ALERTS = "pending_alerts"
PUBLISHED_AT = "published_at"
CALLER_KEY = "caller_key"
CLAIMED_UNTIL = "claimed_until"
ALERT_PREFIX = "ALERT#"
MEAN_PLACES = 3
DUTY_PLACES = 4

RollupKind = Literal["hourly", "daily"]
WireItem = dict[str, "AttributeValueTypeDef"]


class ItemError(ValueError):
    """A stored item that does not match the table's layout."""


# --- keys ---------------------------------------------------------------------------------


def device_pk(device_id: str) -> str:
    return f"{PK_PREFIX}{device_id}"


def device_id_from_pk(pk: str) -> str:
    if not pk.startswith(PK_PREFIX):
        raise ValueError(f"not a device partition key: {pk!r}")
    return pk[len(PK_PREFIX) :]


def reading_sk(recorded_at: datetime) -> str:
    return f"{READING_PREFIX}{format_timestamp(recorded_at)}"


def hour_label(moment: datetime) -> str:
    """``YYYY-MM-DDTHH`` of the UTC hour that contains ``moment``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H")


def day_label(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def hour_sk(label: str) -> str:
    return f"{HOUR_PREFIX}{label}"


def day_sk(label: str) -> str:
    return f"{DAY_PREFIX}{label}"


def rollup_sk(kind: RollupKind, period: str) -> str:
    return hour_sk(period) if kind == "hourly" else day_sk(period)


def period_start(kind: RollupKind, period: str) -> datetime:
    """The UTC start of an hourly (``YYYY-MM-DDTHH``) or daily (``YYYY-MM-DD``) period."""
    fmt = "%Y-%m-%dT%H" if kind == "hourly" else "%Y-%m-%d"
    return datetime.strptime(period, fmt).replace(tzinfo=UTC)


def key(device_id: str, sk: str) -> dict[str, str]:
    return {PK: device_pk(device_id), SK: sk}


def reading_key(device_id: str, recorded_at: datetime) -> dict[str, str]:
    return key(device_id, reading_sk(recorded_at))


def sequence_after(sequence: str, applied: str | None) -> bool:
    """Whether stream record ``sequence`` comes after ``applied`` (None: nothing applied).

    DynamoDB Streams sequence numbers are decimal strings that grow as records are published
    (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html),
    so they compare as numbers; the numbers themselves can exceed 64 bits.
    """
    if applied is None:
        return True
    if sequence.isdigit() and applied.isdigit():
        return int(sequence) > int(applied)
    return (len(sequence), sequence) > (len(applied), applied)


def alert_sk_range(since: datetime) -> tuple[str, str]:
    """Sort keys of a device's alerts from ``since`` on (for a key-range Query)."""
    return f"{ALERT_PREFIX}{format_timestamp(since)}", f"{ALERT_PREFIX}~"


def is_reading_sk(sk: str) -> bool:
    return sk.startswith(READING_PREFIX)


def recorded_at_from_sk(sk: str) -> datetime:
    if not is_reading_sk(sk):
        raise ValueError(f"not a reading sort key: {sk!r}")
    return parse_timestamp(sk[len(READING_PREFIX) :])


# --- queries: one key range of one device, or the status index -----------------------------


def key_range_query(device_id: str, low: str, high: str) -> dict[str, Any]:
    """Query parameters for the items of ``device_id`` whose sk is in ``[low, high]``."""
    return {
        "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :low AND :high",
        "ExpressionAttributeNames": {"#pk": PK, "#sk": SK},
        "ExpressionAttributeValues": {
            ":pk": {"S": device_pk(device_id)},
            ":low": {"S": low},
            ":high": {"S": high},
        },
    }


def prefix_query(device_id: str, prefix: str) -> dict[str, Any]:
    """Query parameters for the items of ``device_id`` whose sk starts with ``prefix``."""
    return {
        "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
        "ExpressionAttributeNames": {"#pk": PK, "#sk": SK},
        "ExpressionAttributeValues": {":pk": {"S": device_pk(device_id)}, ":prefix": {"S": prefix}},
    }


def device_query(device_id: str) -> dict[str, Any]:
    """Query parameters for every item of ``device_id``."""
    return {
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": PK},
        "ExpressionAttributeValues": {":pk": {"S": device_pk(device_id)}},
    }


def status_index_query() -> dict[str, Any]:
    """Query parameters that list every device's status item (the sparse index)."""
    return {
        "IndexName": STATUS_INDEX_NAME,
        "KeyConditionExpression": "#k = :status",
        "ExpressionAttributeNames": {"#k": STATUS_INDEX_KEY},
        "ExpressionAttributeValues": {":status": {"S": STATUS_SK}},
    }


def reading_sample_projection() -> dict[str, Any]:
    """ProjectionExpression of what a rollup needs from a reading."""
    return {
        "ProjectionExpression": "#r, #c, #s, #h",
        "ExpressionAttributeNames": {
            "#r": "recorded_at",
            "#c": "temperature_c",
            "#s": "setpoint_c",
            "#h": "heating",
        },
    }


def table_definition() -> dict[str, Any]:
    """CreateTable parameters of the key schema and status index (the template's, for tools)."""
    return {
        "AttributeDefinitions": [
            {"AttributeName": PK, "AttributeType": "S"},
            {"AttributeName": SK, "AttributeType": "S"},
            {"AttributeName": STATUS_INDEX_KEY, "AttributeType": "S"},
            {"AttributeName": DEVICE_ID, "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": PK, "KeyType": "HASH"},
            {"AttributeName": SK, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": STATUS_INDEX_NAME,
                "KeySchema": [
                    {"AttributeName": STATUS_INDEX_KEY, "KeyType": "HASH"},
                    {"AttributeName": DEVICE_ID, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    }


# --- values -------------------------------------------------------------------------------


def to_decimal(value: float) -> Decimal:
    """The one float -> Decimal conversion: str() keeps the rounded digits (Decimal(0.1) would
    not), which is what makes the same reading the same item byte for byte."""
    return Decimal(str(value))


def to_wire(item: Mapping[str, Any]) -> WireItem:
    """Plain values (Decimal numbers) -> DynamoDB's wire format."""
    return {name: serialize(value) for name, value in item.items()}  # type: ignore[misc]


def from_wire(item: Mapping[str, Any]) -> dict[str, Any]:
    """DynamoDB's wire format -> plain values (Decimal numbers)."""
    return {name: deserialize(value) for name, value in item.items()}


def _time(item: Mapping[str, Any], name: str) -> datetime:
    return parse_timestamp(str(item[name]))


def _optional_time(item: Mapping[str, Any], name: str) -> datetime | None:
    value = item.get(name)
    return parse_timestamp(value) if isinstance(value, str) and value else None


def _optional_str(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    return None if value is None else str(value)


def _bool(item: Mapping[str, Any], name: str) -> bool:
    value = item[name]
    if not isinstance(value, bool):
        raise TypeError(f"{name} is not a boolean")
    return value


def _broken(item: Mapping[str, Any], err: Exception) -> ItemError:
    return ItemError(f"item {item.get(PK)}/{item.get(SK)} breaks the data contract: {err}")


# --- the items ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceReport:
    """What the sending Pi said about itself with the request that carried a reading."""

    settings_version: int | None = None  # the settings version it runs
    settings_error: str | None = None  # why it refused the newest settings
    software: str | None = None  # e.g. thermostat-pi/0.1.0

    def to_attributes(self) -> dict[str, Any]:
        values = {
            "settings_version": self.settings_version,
            "settings_error": self.settings_error,
            "software": self.software,
        }
        return {name: value for name, value in values.items() if value is not None}

    @classmethod
    def from_attributes(cls, item: Mapping[str, Any]) -> DeviceReport | None:
        version, error, software = (
            item.get("settings_version"),
            item.get("settings_error"),
            item.get("software"),
        )
        if version is None and error is None and software is None:
            return None
        return cls(
            None if version is None else int(version),
            None if error is None else str(error),
            None if software is None else str(software),
        )


@dataclass(frozen=True)
class ReadingItem:
    """A stored reading: the reading, when it arrived, its expiry and who sent it."""

    reading: Reading
    received_at: datetime
    expires_at: int | None = None  # epoch seconds (DynamoDB TTL); None keeps it forever
    caller: str | None = None
    report: DeviceReport | None = None
    caller_key: str | None = None  # the access key it was signed with (key rotation)

    TYPE = "reading"

    @classmethod
    def new(
        cls,
        reading: Reading,
        *,
        received_at: datetime,
        retention_days: int,
        caller: str | None = None,
        report: DeviceReport | None = None,
        caller_key: str | None = None,
    ) -> Self:
        """A reading as ingest stores it; ``retention_days`` 0 keeps it forever (no TTL)."""
        expires = None
        if retention_days > 0:
            expires = int((reading.recorded_at + timedelta(days=retention_days)).timestamp())
        return cls(reading, received_at, expires, caller, report, caller_key)

    def key(self) -> dict[str, str]:
        return reading_key(self.reading.device_id, self.reading.recorded_at)

    def to_item(self) -> dict[str, Any]:
        reading = self.reading
        item: dict[str, Any] = {
            **self.key(),
            ITEM_TYPE: self.TYPE,
            DEVICE_ID: reading.device_id,
            "recorded_at": reading.timestamp,
            "temperature_c": to_decimal(reading.temperature_c),
            "setpoint_c": to_decimal(reading.setpoint_c),
            "heating": reading.heating,
            "received_at": format_timestamp(self.received_at),
        }
        if self.expires_at is not None:
            item[TTL_ATTRIBUTE] = self.expires_at
        if self.caller:
            item["caller"] = self.caller
        if self.report is not None:
            item.update(self.report.to_attributes())
        if self.caller_key:
            item[CALLER_KEY] = self.caller_key
        return item

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        try:
            reading = Reading.model_validate(
                {
                    "device_id": item[DEVICE_ID],
                    "recorded_at": item["recorded_at"],
                    "temperature_c": float(item["temperature_c"]),
                    "setpoint_c": float(item["setpoint_c"]),
                    "heating": item["heating"],
                }
            )
            expires = item.get(TTL_ATTRIBUTE)
            caller = item.get("caller")
            return cls(
                reading=reading,
                received_at=_time(item, "received_at"),
                expires_at=None if expires is None else int(expires),
                caller=None if caller is None else str(caller),
                report=DeviceReport.from_attributes(item),
                caller_key=_optional_str(item, CALLER_KEY),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError, ValidationError) as err:
            raise _broken(item, err) from err


@dataclass(frozen=True)
class Sample:
    """What a rollup needs of a reading."""

    recorded_at: datetime
    temperature_c: float
    setpoint_c: float
    heating: bool

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        """From a reading item projected to :func:`reading_sample_projection`."""
        try:
            return cls(
                recorded_at=_time(item, "recorded_at"),
                temperature_c=float(item["temperature_c"]),
                setpoint_c=float(item["setpoint_c"]),
                heating=_bool(item, "heating"),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError) as err:
            raise _broken(item, err) from err

    @classmethod
    def of(cls, reading: Reading) -> Self:
        return cls(reading.recorded_at, reading.temperature_c, reading.setpoint_c, reading.heating)


@dataclass(frozen=True)
class RollupStats:
    """The numbers of one hour or day. Sums are exact (readings are stored to 0.001 C), so
    adding readings one batch at a time gives the same item as summarizing them at once."""

    reading_count: int
    temperature_sum_c: Decimal
    setpoint_sum_c: Decimal
    heating_count: int  # readings taken while heating was on
    temperature_min_c: float
    temperature_max_c: float
    first_recorded_at: datetime
    last_recorded_at: datetime

    @property
    def temperature_mean_c(self) -> float:
        return round(float(self.temperature_sum_c / self.reading_count), MEAN_PLACES)

    @property
    def setpoint_mean_c(self) -> float:
        return round(float(self.setpoint_sum_c / self.reading_count), MEAN_PLACES)

    @property
    def heating_duty_cycle(self) -> float:
        """Share of readings taken while heating was on."""
        return round(self.heating_count / self.reading_count, DUTY_PLACES)

    def to_attributes(self) -> dict[str, Any]:
        return {
            "reading_count": self.reading_count,
            "temperature_sum_c": self.temperature_sum_c,
            "setpoint_sum_c": self.setpoint_sum_c,
            "heating_count": self.heating_count,
            "temperature_min_c": to_decimal(self.temperature_min_c),
            "temperature_max_c": to_decimal(self.temperature_max_c),
            # Derived, stored for readers that take the item as it is (console, exports).
            "temperature_mean_c": to_decimal(self.temperature_mean_c),
            "setpoint_mean_c": to_decimal(self.setpoint_mean_c),
            "heating_duty_cycle": to_decimal(self.heating_duty_cycle),
            "first_recorded_at": format_timestamp(self.first_recorded_at),
            "last_recorded_at": format_timestamp(self.last_recorded_at),
        }

    @classmethod
    def from_attributes(cls, item: Mapping[str, Any]) -> Self:
        count = int(item["reading_count"])
        if count < 1:
            raise ValueError("reading_count must be at least 1")
        return cls(
            reading_count=count,
            temperature_sum_c=_sum(item, "temperature_sum_c", "temperature_mean_c", count),
            setpoint_sum_c=_sum(item, "setpoint_sum_c", "setpoint_mean_c", count),
            heating_count=(
                int(item["heating_count"])
                if "heating_count" in item
                else round(float(item["heating_duty_cycle"]) * count)
            ),
            temperature_min_c=float(item["temperature_min_c"]),
            temperature_max_c=float(item["temperature_max_c"]),
            first_recorded_at=_time(item, "first_recorded_at"),
            last_recorded_at=_time(item, "last_recorded_at"),
        )


def _sum(item: Mapping[str, Any], name: str, mean_name: str, count: int) -> Decimal:
    # Items written before sums were stored carry only the rounded mean.
    if name in item:
        return Decimal(str(item[name]))
    return Decimal(str(item[mean_name])) * count


@dataclass(frozen=True)
class RollupItem:
    """An hourly or daily rollup (periods are UTC hours or days)."""

    device_id: str
    kind: RollupKind
    period: str  # YYYY-MM-DDTHH (hourly) or YYYY-MM-DD (daily)
    stats: RollupStats
    # The newest stream record folded in (hourly items the stream function merges into).
    applied_sequence: str | None = None
    # When it was last recomputed from the table: readings received before are in it.
    recomputed_at: datetime | None = None

    @property
    def period_start(self) -> datetime:
        return period_start(self.kind, self.period)

    def key(self) -> dict[str, str]:
        return key(self.device_id, rollup_sk(self.kind, self.period))

    def to_item(self) -> dict[str, Any]:
        item = {
            **self.key(),
            ITEM_TYPE: self.kind,
            DEVICE_ID: self.device_id,
            "period": self.period,
            "period_start": format_timestamp(self.period_start),
            **self.stats.to_attributes(),
        }
        if self.applied_sequence is not None:
            item[APPLIED_SEQUENCE] = self.applied_sequence
        if self.recomputed_at is not None:
            item[RECOMPUTED_AT] = format_timestamp(self.recomputed_at)
        return item

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        try:
            kind = item[ITEM_TYPE]
            if kind not in ("hourly", "daily"):
                raise ValueError(f"{ITEM_TYPE} {kind!r} is not a rollup")
            applied = item.get(APPLIED_SEQUENCE)
            return cls(
                device_id=str(item[DEVICE_ID]),
                kind=kind,
                period=str(item["period"]),
                stats=RollupStats.from_attributes(item),
                applied_sequence=None if applied is None else str(applied),
                recomputed_at=_optional_time(item, RECOMPUTED_AT),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError) as err:
            raise _broken(item, err) from err


@dataclass(frozen=True)
class StatusItem:
    """A device's live state: its newest reading, when it was last heard from, its alert
    state, and the open hour (the current hour's rollup, kept here until the hour closes so
    that each stream batch writes one item)."""

    device_id: str
    last_recorded_at: datetime
    last_seen_at: datetime  # when the newest reading was received
    temperature_c: float
    setpoint_c: float
    heating: bool
    alert_state: str = "normal"
    alert_changed_at: datetime | None = None
    open_hour: RollupItem | None = None
    # The newest stream record applied; replays at or before it change nothing.
    applied_sequence: str | None = None
    version: int = 0  # every writer bumps it, conditional on the one it read
    # Alerts recorded but not yet published (their sort keys): the next run publishes them.
    pending_alerts: tuple[str, ...] = ()
    # What the device last said about itself (its settings version, software).
    report: DeviceReport | None = None
    settings_applied_at: datetime | None = None  # when it first reported its settings version
    caller_key: str | None = None  # the access key its newest reading was signed with
    # Health: since when silent (the last reading's arrival; None: it reports), and the
    # relay's current on-run with the fault it shows.
    silent_since: datetime | None = None
    heating_since: datetime | None = None
    heating_start_c: float | None = None
    heating_fault: str = "ok"

    TYPE = "status"

    def key(self) -> dict[str, str]:
        return key(self.device_id, STATUS_SK)

    @staticmethod
    def key_of(device_id: str) -> dict[str, str]:
        return key(device_id, STATUS_SK)

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            **self.key(),
            ITEM_TYPE: self.TYPE,
            STATUS_INDEX_KEY: STATUS_SK,
            DEVICE_ID: self.device_id,
            "last_recorded_at": format_timestamp(self.last_recorded_at),
            "last_seen_at": format_timestamp(self.last_seen_at),
            "temperature_c": to_decimal(self.temperature_c),
            "setpoint_c": to_decimal(self.setpoint_c),
            "heating": self.heating,
            "alert_state": self.alert_state,
            VERSION: self.version,
        }
        if self.alert_changed_at is not None:
            item["alert_changed_at"] = format_timestamp(self.alert_changed_at)
        if self.open_hour is not None:
            hour = self.open_hour
            item[OPEN_HOUR] = {"period": hour.period, **hour.stats.to_attributes()}
            if hour.recomputed_at is not None:
                item[OPEN_HOUR][RECOMPUTED_AT] = format_timestamp(hour.recomputed_at)
        if self.applied_sequence is not None:
            item[APPLIED_SEQUENCE] = self.applied_sequence
        if self.pending_alerts:
            item[PENDING_ALERTS] = list(self.pending_alerts)
        if self.report is not None:
            item.update(self.report.to_attributes())
        if self.settings_applied_at is not None:
            item["settings_applied_at"] = format_timestamp(self.settings_applied_at)
        if self.caller_key:
            item[CALLER_KEY] = self.caller_key
        if self.silent_since is not None:
            item["silent_since"] = format_timestamp(self.silent_since)
        if self.heating_since is not None and self.heating_start_c is not None:
            item["heating_since"] = format_timestamp(self.heating_since)
            item["heating_start_c"] = to_decimal(self.heating_start_c)
        if self.heating_fault != "ok":
            item["heating_fault"] = self.heating_fault
        return item

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        try:
            recorded = _time(item, "last_recorded_at")
            device_id = str(item[DEVICE_ID])
            open_hour = None
            if isinstance(item.get(OPEN_HOUR), Mapping):
                hour = item[OPEN_HOUR]
                stats = RollupStats.from_attributes(hour)
                open_hour = RollupItem(
                    device_id,
                    "hourly",
                    str(hour["period"]),
                    stats,
                    recomputed_at=_optional_time(hour, RECOMPUTED_AT),
                )
            applied = item.get(APPLIED_SEQUENCE)
            return cls(
                device_id=device_id,
                last_recorded_at=recorded,
                last_seen_at=_optional_time(item, "last_seen_at") or recorded,
                temperature_c=float(item["temperature_c"]),
                setpoint_c=float(item["setpoint_c"]),
                heating=_bool(item, "heating"),
                alert_state=str(item.get("alert_state", "normal")),
                alert_changed_at=_optional_time(item, "alert_changed_at"),
                open_hour=open_hour,
                applied_sequence=None if applied is None else str(applied),
                version=int(item.get(VERSION, 0)),
                pending_alerts=tuple(str(sk) for sk in item.get(PENDING_ALERTS) or ()),
                report=DeviceReport.from_attributes(item),
                settings_applied_at=_optional_time(item, "settings_applied_at"),
                caller_key=_optional_str(item, CALLER_KEY),
                silent_since=_optional_time(item, "silent_since"),
                heating_since=_optional_time(item, "heating_since"),
                heating_start_c=(
                    float(item["heating_start_c"]) if "heating_start_c" in item else None
                ),
                heating_fault=str(item.get("heating_fault", "ok")),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError) as err:
            raise _broken(item, err) from err

    def version_condition(self, previous: StatusItem | None) -> dict[str, Any]:
        """The condition that makes this write lose to any writer since ``previous`` was read."""
        if previous is None:
            return {
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": PK},
            }
        if previous.version == 0:  # written before versions: no attribute yet
            return {
                "ConditionExpression": "attribute_not_exists(#v) OR #v = :v",
                "ExpressionAttributeNames": {"#v": VERSION},
                "ExpressionAttributeValues": {":v": {"N": "0"}},
            }
        return {
            "ConditionExpression": "#v = :v",
            "ExpressionAttributeNames": {"#v": VERSION},
            "ExpressionAttributeValues": {":v": {"N": str(previous.version)}},
        }


def rollups_with_open_hour(
    closed: list[RollupItem], status: StatusItem | None, kind: RollupKind, first: str, last: str
) -> list[RollupItem]:
    """What a reader shows for periods ``first..last``: the closed rollups, with the device's
    open hour (kept on its status item until the hour closes) added in."""
    hour = status.open_hour if status else None
    if hour is None:
        return closed
    period = hour.period if kind == "hourly" else hour.period[:10]
    if not first <= period <= last:
        return closed
    if kind == "hourly":
        if any(item.period == period for item in closed):
            return closed  # closed since the status was read
        return sorted([*closed, hour], key=lambda item: item.period)
    merged = [item for item in closed if item.period != period]
    base = [item.stats for item in closed if item.period == period]
    stats = combine_stats([*base, hour.stats])
    return sorted([*merged, RollupItem(hour.device_id, "daily", period, stats)], key=_period)


def _period(item: RollupItem) -> str:
    return item.period


def combine_stats(parts: list[RollupStats]) -> RollupStats:
    """Several periods' stats as one (exact: sums add up)."""
    return RollupStats(
        reading_count=sum(p.reading_count for p in parts),
        temperature_sum_c=sum((p.temperature_sum_c for p in parts), Decimal(0)),
        setpoint_sum_c=sum((p.setpoint_sum_c for p in parts), Decimal(0)),
        heating_count=sum(p.heating_count for p in parts),
        temperature_min_c=min(p.temperature_min_c for p in parts),
        temperature_max_c=max(p.temperature_max_c for p in parts),
        first_recorded_at=min(p.first_recorded_at for p in parts),
        last_recorded_at=max(p.last_recorded_at for p in parts),
    )


@dataclass(frozen=True)
class AlertItem:
    """One alert: a state change worth telling someone about, kept for ``thermostat alerts``.

    ``facts`` are the same facts as the message, as JSON values, for machines.
    """

    device_id: str
    occurred_at: datetime
    kind: str  # e.g. temperature_low, temperature_normal, silent, back
    subject: str
    message: str
    facts: Mapping[str, Any]
    published_at: datetime | None = None
    expires_at: int | None = None  # epoch seconds (DynamoDB TTL)

    TYPE = "alert"

    @property
    def sk(self) -> str:
        return f"{ALERT_PREFIX}{format_timestamp(self.occurred_at)}#{self.kind}"

    def key(self) -> dict[str, str]:
        return key(self.device_id, self.sk)

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            **self.key(),
            ITEM_TYPE: self.TYPE,
            DEVICE_ID: self.device_id,
            "occurred_at": format_timestamp(self.occurred_at),
            "kind": self.kind,
            "subject": self.subject,
            "message": self.message,
            # JSON text: facts hold floats, which DynamoDB would want as Decimals.
            "facts": json.dumps(dict(self.facts), sort_keys=True, separators=(",", ":")),
        }
        if self.published_at is not None:
            item[PUBLISHED_AT] = format_timestamp(self.published_at)
        if self.expires_at is not None:
            item[TTL_ATTRIBUTE] = self.expires_at
        return item

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        try:
            facts = json.loads(str(item["facts"]))
            if not isinstance(facts, dict):
                raise TypeError("facts is not a JSON object")
            expires = item.get(TTL_ATTRIBUTE)
            return cls(
                device_id=str(item[DEVICE_ID]),
                occurred_at=_time(item, "occurred_at"),
                kind=str(item["kind"]),
                subject=str(item["subject"]),
                message=str(item["message"]),
                facts=facts,
                published_at=_optional_time(item, PUBLISHED_AT),
                expires_at=None if expires is None else int(expires),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError) as err:
            raise _broken(item, err) from err


@dataclass(frozen=True)
class SettingsItem:
    """A device's desired settings (one item per device), and who changed them when."""

    device_id: str
    settings: DeviceSettings
    updated_at: datetime
    updated_by: str | None = None

    TYPE = "settings"

    def key(self) -> dict[str, str]:
        return key(self.device_id, SETTINGS_SK)

    @staticmethod
    def key_of(device_id: str) -> dict[str, str]:
        return key(device_id, SETTINGS_SK)

    def to_item(self) -> dict[str, Any]:
        s = self.settings
        item: dict[str, Any] = {
            **self.key(),
            ITEM_TYPE: self.TYPE,
            DEVICE_ID: self.device_id,
            VERSION: s.version,
            "setpoint_c": to_decimal(s.setpoint_c),
            "mode": s.mode,
            "away_setpoint_c": to_decimal(s.away_setpoint_c),
            "timezone": s.timezone,
            "updated_at": format_timestamp(self.updated_at),
        }
        if s.schedule is not None:
            item["schedule"] = s.schedule
        if self.updated_by:
            item["updated_by"] = self.updated_by
        return item

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Self:
        try:
            settings = DeviceSettings(
                version=int(item[VERSION]),
                setpoint_c=float(item["setpoint_c"]),
                mode=item["mode"],
                away_setpoint_c=float(item["away_setpoint_c"]),
                schedule=item.get("schedule"),
                timezone=str(item["timezone"]),
            )
            by = item.get("updated_by")
            return cls(
                str(item[DEVICE_ID]),
                settings,
                _time(item, "updated_at"),
                None if by is None else str(by),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError, ValidationError) as err:
            raise _broken(item, err) from err

    @staticmethod
    def version_condition(previous: int) -> dict[str, Any]:
        """The condition that makes a settings write lose to any change since version read."""
        if previous == 0:
            return {
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": PK},
            }
        return {
            "ConditionExpression": "#v = :v",
            "ExpressionAttributeNames": {"#v": VERSION},
            "ExpressionAttributeValues": {":v": {"N": str(previous)}},
        }


Item = ReadingItem | RollupItem | StatusItem | AlertItem | SettingsItem


def item_type(item: Mapping[str, Any]) -> str | None:
    value = item.get(ITEM_TYPE)
    return value if isinstance(value, str) else None


def parse_item(item: Mapping[str, Any]) -> Item | None:
    """Any item of the table as its type; None for an item type this version does not know."""
    kind = item_type(item)
    if kind == ReadingItem.TYPE:
        return ReadingItem.from_item(item)
    if kind in ("hourly", "daily"):
        return RollupItem.from_item(item)
    if kind == StatusItem.TYPE:
        return StatusItem.from_item(item)
    if kind == AlertItem.TYPE:
        return AlertItem.from_item(item)
    if kind == SettingsItem.TYPE:
        return SettingsItem.from_item(item)
    return None
