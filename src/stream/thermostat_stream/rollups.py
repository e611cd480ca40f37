"""Rollup arithmetic: pure functions over samples, no I/O and no stored form.

Every statistic is kept as an exact sum (readings are stored to 0.001 C, as Decimals), so
folding readings in one batch at a time gives exactly what summarizing them at once gives,
and a day is exactly the sum of its hours.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from thermostat.items import RollupStats, Sample, combine_stats, to_decimal

__all__ = ["add", "combine", "summarize"]


def summarize(samples: Iterable[Sample]) -> RollupStats | None:
    """Stats of one period's readings; None when there are none."""
    return add(None, samples)


def add(stats: RollupStats | None, samples: Iterable[Sample]) -> RollupStats | None:
    """``stats`` with ``samples`` folded in (each sample once: the caller knows it is new)."""
    rows = list(samples)
    if not rows:
        return stats
    temperatures = [row.temperature_c for row in rows]
    new = RollupStats(
        reading_count=len(rows),
        temperature_sum_c=sum((to_decimal(t) for t in temperatures), Decimal(0)),
        setpoint_sum_c=sum((to_decimal(row.setpoint_c) for row in rows), Decimal(0)),
        heating_count=sum(row.heating for row in rows),
        temperature_min_c=min(temperatures),
        temperature_max_c=max(temperatures),
        first_recorded_at=min(row.recorded_at for row in rows),
        last_recorded_at=max(row.recorded_at for row in rows),
    )
    return new if stats is None else combine_stats([stats, new])


def combine(periods: Iterable[RollupStats]) -> RollupStats | None:
    """A day from its hours (exact: the sums add up)."""
    parts = list(periods)
    return combine_stats(parts) if parts else None
