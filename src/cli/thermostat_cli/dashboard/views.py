"""Table items as the JSON the page draws: tiles, chart columns, alert history.

Times go out as RFC 3339 text for people and epoch seconds for the chart (uPlot's x unit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Literal

from thermostat.contract import format_timestamp
from thermostat.items import AlertItem, RollupItem, Sample, SettingsItem, StatusItem
from thermostat_cli.dashboard.desired import settings_state
from thermostat_cli.errors import BadArguments
from thermostat_cli.timerange import TimeRange, zone_name

ChartKind = Literal["readings", "hourly", "daily"]
# What each range shows: the readings themselves, or hourly / daily rollups.
RANGES: dict[str, tuple[str, ChartKind]] = {
    "today": ("Today", "readings"),
    "24h": ("Last 24 hours", "readings"),
    "7d": ("Last 7 days", "hourly"),
    "30d": ("Last 30 days", "daily"),
    "day": ("One day", "readings"),  # with day=YYYY-MM-DD, like `thermostat plot --day`
}
# Alert states the stream function knows, as people say them; others are shown by name.
ALERT_WORDS = {"low": "too cold", "high": "too hot"}


@dataclass(frozen=True)
class ChartRange:
    name: str
    kind: ChartKind
    span: TimeRange


def chart_range(name: str, tz: tzinfo, now: datetime, day: str | None = None) -> ChartRange:
    """The span of a named range ending now (``today``: local midnight to midnight; ``day``:
    that calendar day in ``tz``)."""
    if name not in RANGES:
        raise BadArguments(f"unknown range {name!r}; one of {', '.join(RANGES)}")
    kind = RANGES[name][1]
    if name == "today":
        return ChartRange(name, kind, TimeRange.for_day(now.astimezone(tz).date(), tz))
    if name == "day":
        try:
            chosen = date.fromisoformat(day or "")
        except ValueError as err:
            raise BadArguments(f"range=day needs day=YYYY-MM-DD, not {day!r}") from err
        return ChartRange(name, kind, TimeRange.for_day(chosen, tz))
    length = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
    return ChartRange(name, kind, TimeRange(now - length[name], now, tz))


def _epoch(moment: datetime) -> float:
    return round(moment.timestamp(), 3)


def spoken_duration(span: timedelta) -> str:
    """``timedelta(minutes=135)`` as ``2 h 15 min``: the two largest units, for people."""
    minutes = int(span.total_seconds()) // 60
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min" if mins else f"{int(span.total_seconds())} s"


def open_alerts(status: StatusItem, silent: bool, seen_ago: timedelta) -> list[dict[str, Any]]:
    """What is wrong with a device now: its alert state, and whether it went silent."""
    alerts = []
    if status.alert_state != "normal":
        since = status.alert_changed_at
        alerts.append(
            {
                "kind": status.alert_state,
                "text": ALERT_WORDS.get(status.alert_state, status.alert_state.replace("_", " ")),
                "since": format_timestamp(since) if since else None,
            }
        )
    if silent:
        alerts.append(
            {
                "kind": "silent",
                "text": f"silent: no reading for {spoken_duration(seen_ago)}",
                "since": format_timestamp(status.last_seen_at),
            }
        )
    return alerts


def tile(
    status: StatusItem,
    now: datetime,
    silent_after: timedelta,
    desired: SettingsItem | None = None,
) -> dict[str, Any]:
    seen_ago = max(timedelta(0), now - status.last_seen_at)
    silent = seen_ago > silent_after
    return {
        "device_id": status.device_id,
        "temperature_c": status.temperature_c,
        "setpoint_c": status.setpoint_c,
        "heating": status.heating,
        "last_recorded_at": format_timestamp(status.last_recorded_at),
        "last_seen_at": format_timestamp(status.last_seen_at),
        "seconds_since_seen": round(seen_ago.total_seconds()),
        "silent": silent,
        "alert_state": status.alert_state,
        "alerts": open_alerts(status, silent, seen_ago),
        "settings": settings_state(status, desired),
    }


def devices(
    statuses: Sequence[StatusItem],
    now: datetime,
    silent_after: timedelta,
    desired: Mapping[str, SettingsItem | None] | None = None,
) -> dict[str, Any]:
    wanted = desired or {}
    return {
        "now": format_timestamp(now),
        "silent_after_seconds": round(silent_after.total_seconds()),
        "devices": [
            tile(s, now, silent_after, wanted.get(s.device_id))
            for s in sorted(statuses, key=_by_id)
        ],
    }


def _by_id(status: StatusItem) -> str:
    return status.device_id


def _frame(device_id: str, chosen: ChartRange) -> dict[str, Any]:
    return {
        "device_id": device_id,
        "range": chosen.name,
        "title": chosen.span.describe() if chosen.name == "day" else RANGES[chosen.name][0],
        "kind": chosen.kind,
        "start": _epoch(chosen.span.start),
        "end": _epoch(chosen.span.end),
        "tz": zone_name(chosen.span.tz),
    }


def reading_chart(
    device_id: str,
    chosen: ChartRange,
    rows: Sequence[Sample],
    *,
    more_before: datetime | None = None,
) -> dict[str, Any]:
    """Readings as columns (uPlot's data layout): time, temperature, setpoint, heating 0/1;
    ``more_before``: epoch ms before which the range has readings not sent yet (or None)."""
    return {
        **_frame(device_id, chosen),
        "more_before": None if more_before is None else round(more_before.timestamp() * 1000),
        "t": [_epoch(s.recorded_at) for s in rows],
        "temperature": [s.temperature_c for s in rows],
        "setpoint": [s.setpoint_c for s in rows],
        "heating": [1 if s.heating else 0 for s in rows],
    }


def rollup_chart(device_id: str, chosen: ChartRange, rows: Sequence[RollupItem]) -> dict[str, Any]:
    """Rollups as columns: period start, mean, min, max, mean setpoint, heating duty cycle."""
    seconds = 3600 if chosen.kind == "hourly" else 86400
    return {
        **_frame(device_id, chosen),
        "period_seconds": seconds,
        "t": [_epoch(r.period_start) for r in rows],
        "temperature": [r.stats.temperature_mean_c for r in rows],
        "min": [r.stats.temperature_min_c for r in rows],
        "max": [r.stats.temperature_max_c for r in rows],
        "setpoint": [r.stats.setpoint_mean_c for r in rows],
        "heating": [r.stats.heating_duty_cycle for r in rows],
        "count": [r.stats.reading_count for r in rows],
    }


def alert(item: AlertItem) -> dict[str, Any]:
    return {
        "occurred_at": format_timestamp(item.occurred_at),
        "kind": item.kind,
        "subject": item.subject,
        "message": item.message,
        "published": item.published_at is not None,
    }


def parse_epoch_ms(name: str, text: str | None) -> datetime | None:
    """``after`` / ``before``: epoch milliseconds of the newest / oldest reading the page has."""
    if text is None or text == "":
        return None
    try:
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    except (ValueError, OverflowError, OSError) as err:
        raise BadArguments(f"{name} must be epoch milliseconds: {text!r}") from err
