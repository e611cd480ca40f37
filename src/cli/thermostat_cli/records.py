"""Typed rows for rollup and status items; Decimals become floats here, at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from thermostat.contract import Reading, parse_timestamp
from thermostat.items import reading_from_item
from thermostat_cli.errors import BadItem


def _bad(item: dict[str, Any], err: Exception) -> BadItem:
    return BadItem(f"item {item.get('pk')}/{item.get('sk')} breaks the data contract: {err}")


def reading(item: dict[str, Any]) -> Reading:
    try:
        return reading_from_item(item)
    except (KeyError, TypeError, ValueError, ValidationError) as err:
        raise _bad(item, err) from err


def _optional_time(value: Any) -> datetime | None:
    return parse_timestamp(value) if isinstance(value, str) and value else None


@dataclass(frozen=True)
class Rollup:
    """One hourly or daily rollup (periods are UTC hours or days)."""

    device_id: str
    kind: str
    period: str
    period_start: datetime
    reading_count: int
    temperature_min_c: float
    temperature_mean_c: float
    temperature_max_c: float
    setpoint_mean_c: float
    heating_duty_cycle: float
    first_recorded_at: datetime | None
    last_recorded_at: datetime | None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Rollup:
        try:
            return cls(
                device_id=str(item["device_id"]),
                kind=str(item["item_type"]),
                period=str(item["period"]),
                period_start=parse_timestamp(item["period_start"]),
                reading_count=int(item["reading_count"]),
                temperature_min_c=float(item["temperature_min_c"]),
                temperature_mean_c=float(item["temperature_mean_c"]),
                temperature_max_c=float(item["temperature_max_c"]),
                setpoint_mean_c=float(item["setpoint_mean_c"]),
                heating_duty_cycle=float(item["heating_duty_cycle"]),
                first_recorded_at=_optional_time(item.get("first_recorded_at")),
                last_recorded_at=_optional_time(item.get("last_recorded_at")),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise _bad(item, err) from err


@dataclass(frozen=True)
class DeviceStatus:
    """A device's newest reading and when it arrived."""

    device_id: str
    last_recorded_at: datetime
    last_seen_at: datetime
    temperature_c: float
    setpoint_c: float
    heating: bool
    alert_state: str

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> DeviceStatus:
        try:
            recorded = parse_timestamp(item["last_recorded_at"])
            return cls(
                device_id=str(item["device_id"]),
                last_recorded_at=recorded,
                last_seen_at=_optional_time(item.get("last_seen_at")) or recorded,
                temperature_c=float(item["temperature_c"]),
                setpoint_c=float(item["setpoint_c"]),
                heating=bool(item["heating"]),
                alert_state=str(item.get("alert_state", "normal")),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise _bad(item, err) from err
