"""Rollup arithmetic: pure functions over samples, no I/O and no stored form.

Rollups are always recomputed from their inputs (an hour from its readings, a day from its
hours), never incremented, so processing the same records twice gives the same items.
"""

from __future__ import annotations

from collections.abc import Iterable

from thermostat.items import RollupStats, Sample

ROUND_TO = 3
DUTY_ROUND_TO = 4


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
