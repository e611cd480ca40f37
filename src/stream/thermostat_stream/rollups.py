"""Rollup arithmetic: pure functions over samples, no I/O.

Rollups are always recomputed from their inputs (an hour from its readings, a day from its
hours), never incremented, so processing the same records twice gives the same items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

ROUND_TO = 3
DUTY_ROUND_TO = 4


@dataclass(frozen=True)
class Sample:
    recorded_at: str  # the stored timestamp text; sorts in time order
    temperature_c: float
    setpoint_c: float
    heating: bool


@dataclass(frozen=True)
class RollupStats:
    reading_count: int
    temperature_min_c: float
    temperature_max_c: float
    temperature_mean_c: float
    setpoint_mean_c: float
    heating_duty_cycle: float  # share of readings taken while heating was on
    first_recorded_at: str
    last_recorded_at: str

    def attributes(self) -> dict[str, Any]:
        """The stored attributes (Decimal numbers, ready for TypeSerializer)."""
        return {
            "reading_count": self.reading_count,
            "temperature_min_c": Decimal(str(self.temperature_min_c)),
            "temperature_max_c": Decimal(str(self.temperature_max_c)),
            "temperature_mean_c": Decimal(str(self.temperature_mean_c)),
            "setpoint_mean_c": Decimal(str(self.setpoint_mean_c)),
            "heating_duty_cycle": Decimal(str(self.heating_duty_cycle)),
            "first_recorded_at": self.first_recorded_at,
            "last_recorded_at": self.last_recorded_at,
        }


def sample_from_item(item: Mapping[str, Any]) -> Sample | None:
    """A stored reading as a sample, or None if it is malformed (it cannot block its hour)."""
    try:
        heating = item["heating"]
        if not isinstance(heating, bool):
            return None
        return Sample(
            recorded_at=str(item["recorded_at"]),
            temperature_c=float(item["temperature_c"]),
            setpoint_c=float(item["setpoint_c"]),
            heating=heating,
        )
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return None


def summarize(samples: Iterable[Sample]) -> RollupStats | None:
    """Stats of one period's readings; None when there are none."""
    rows = list(samples)
    if not rows:
        return None
    count = len(rows)
    temperatures = [row.temperature_c for row in rows]
    return RollupStats(
        reading_count=count,
        temperature_min_c=round(min(temperatures), ROUND_TO),
        temperature_max_c=round(max(temperatures), ROUND_TO),
        temperature_mean_c=round(sum(temperatures) / count, ROUND_TO),
        setpoint_mean_c=round(sum(row.setpoint_c for row in rows) / count, ROUND_TO),
        heating_duty_cycle=round(sum(row.heating for row in rows) / count, DUTY_ROUND_TO),
        first_recorded_at=min(row.recorded_at for row in rows),
        last_recorded_at=max(row.recorded_at for row in rows),
    )


def combine(periods: Iterable[RollupStats]) -> RollupStats | None:
    """A day from its hours: means weighted by each hour's reading count."""
    parts = list(periods)
    if not parts:
        return None
    count = sum(part.reading_count for part in parts)

    def weighted(name: str) -> float:
        return float(sum(getattr(part, name) * part.reading_count for part in parts) / count)

    return RollupStats(
        reading_count=count,
        temperature_min_c=min(part.temperature_min_c for part in parts),
        temperature_max_c=max(part.temperature_max_c for part in parts),
        temperature_mean_c=round(weighted("temperature_mean_c"), ROUND_TO),
        setpoint_mean_c=round(weighted("setpoint_mean_c"), ROUND_TO),
        heating_duty_cycle=round(weighted("heating_duty_cycle"), DUTY_ROUND_TO),
        first_recorded_at=min(part.first_recorded_at for part in parts),
        last_recorded_at=max(part.last_recorded_at for part in parts),
    )


def stats_from_item(item: Mapping[str, Any]) -> RollupStats:
    return RollupStats(
        reading_count=int(item["reading_count"]),
        temperature_min_c=float(item["temperature_min_c"]),
        temperature_max_c=float(item["temperature_max_c"]),
        temperature_mean_c=float(item["temperature_mean_c"]),
        setpoint_mean_c=float(item["setpoint_mean_c"]),
        heating_duty_cycle=float(item["heating_duty_cycle"]),
        first_recorded_at=str(item["first_recorded_at"]),
        last_recorded_at=str(item["last_recorded_at"]),
    )
