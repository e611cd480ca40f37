"""Streaming output: an aligned table, JSON Lines or CSV, one row at a time."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Literal, TextIO

from thermostat.contract import Reading, format_timestamp
from thermostat.items import RollupItem, SettingsItem, StatusItem

OutputFormat = Literal["table", "json", "csv"]
Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    """A table column: which row field, its heading, and how to show a value."""

    key: str
    title: str
    width: int
    show: Callable[[Any], str] = str
    right: bool = False

    def cell(self, text: str) -> str:
        size = max(self.width, len(self.title))
        return text.rjust(size) if self.right else text.ljust(size)


def celsius(value: Any) -> str:
    return f"{value:.2f}"


def on_off(value: Any) -> str:
    return "on" if value else "off"


def local_time(moment: datetime, tz: tzinfo, fmt: str = "%Y-%m-%d %H:%M:%S %Z") -> str:
    return moment.astimezone(tz).strftime(fmt)


def write_rows(rows: Iterable[Row], columns: list[Column], fmt: OutputFormat, out: TextIO) -> int:
    """Write every row as it arrives; return how many there were."""
    count = 0
    if fmt == "json":
        for count, row in enumerate(rows, start=1):  # noqa: B007 - count is the result
            out.write(json.dumps(row) + "\n")
        return count
    writer: Any = None
    for count, row in enumerate(rows, start=1):
        if fmt == "csv":
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(row), lineterminator="\n")
                writer.writeheader()
            writer.writerow({k: _csv_value(v) for k, v in row.items()})
        else:
            if count == 1:
                out.write("  ".join(c.cell(c.title) for c in columns).rstrip() + "\n")
            cells = (c.cell(c.show(row[c.key])) for c in columns)
            out.write("  ".join(cells).rstrip() + "\n")
    return count


def _csv_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value)  # one cell, readable by any JSON parser
    return "true" if value is True else "false" if value is False else value


def reading_rows(readings: Iterable[Reading], tz: tzinfo) -> Iterator[Row]:
    for r in readings:
        yield {
            "device_id": r.device_id,
            "recorded_at": r.timestamp,
            "local_time": r.recorded_at.astimezone(tz).isoformat(timespec="seconds"),
            "temperature_c": r.temperature_c,
            "setpoint_c": r.setpoint_c,
            "heating": r.heating,
        }


def reading_columns(zone: str) -> list[Column]:
    return [
        Column("local_time", f"time ({zone})", 19, lambda v: v[:19].replace("T", " ")),
        Column("temperature_c", "temp °C", 7, celsius, right=True),
        Column("setpoint_c", "setpoint °C", 11, celsius, right=True),
        Column("heating", "heating", 7, on_off),
    ]


def rollup_rows(rollups: Iterable[RollupItem], tz: tzinfo) -> Iterator[Row]:
    for r in rollups:
        s = r.stats
        yield {
            "device_id": r.device_id,
            "period": r.period,
            "period_start": format_timestamp(r.period_start),
            "local_start": r.period_start.astimezone(tz).isoformat(timespec="minutes"),
            "reading_count": s.reading_count,
            "temperature_min_c": s.temperature_min_c,
            "temperature_mean_c": s.temperature_mean_c,
            "temperature_max_c": s.temperature_max_c,
            "setpoint_mean_c": s.setpoint_mean_c,
            "heating_duty_cycle": s.heating_duty_cycle,
        }


def rollup_columns(zone: str) -> list[Column]:
    return [
        Column("period", "period (UTC)", 13),
        Column("local_start", f"starts ({zone})", 16, lambda v: v[:16].replace("T", " ")),
        Column("reading_count", "readings", 8, right=True),
        Column("temperature_min_c", "min °C", 6, celsius, right=True),
        Column("temperature_mean_c", "mean °C", 7, celsius, right=True),
        Column("temperature_max_c", "max °C", 6, celsius, right=True),
        Column("setpoint_mean_c", "setpoint °C", 11, celsius, right=True),
        Column("heating_duty_cycle", "heating", 7, lambda v: f"{v:.0%}", right=True),
    ]


def status_row(
    status: StatusItem,
    tz: tzinfo,
    now: datetime,
    silent: bool,
    desired: SettingsItem | None = None,
) -> Row:
    report = status.report
    applied = report.settings_version if report else None
    return {
        "device_id": status.device_id,
        "last_recorded_at": format_timestamp(status.last_recorded_at),
        "last_seen_at": format_timestamp(status.last_seen_at),
        "last_seen_local": local_time(status.last_seen_at, tz, "%Y-%m-%d %H:%M:%S"),
        "seconds_since_seen": round((now - status.last_seen_at).total_seconds()),
        "temperature_c": status.temperature_c,
        "setpoint_c": status.setpoint_c,
        "heating": status.heating,
        "alert_state": status.alert_state,
        "desired_settings_version": desired.settings.version if desired else None,
        "desired_settings": desired.settings.describe() if desired else None,
        "applied_settings_version": applied,
        "settings_applied_at": (
            format_timestamp(status.settings_applied_at) if status.settings_applied_at else None
        ),
        "settings_error": report.settings_error if report else None,
        "silent": silent,
    }


def settings_cell(row: Row) -> str:
    """``v3 heat to 21 C`` when applied; ``v3 (runs v2)`` while the device catches up."""
    desired, applied = row.get("desired_settings_version"), row.get("applied_settings_version")
    if desired is None:
        return f"v{applied} (local)" if applied else "-"
    if applied is not None and applied >= desired:
        return f"v{desired} {row['desired_settings']}"
    return f"v{desired} (runs v{applied or 0})"


def ago(seconds: Any) -> str:
    minutes = max(0, int(seconds)) // 60
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days}d {hours}h ago"
    return f"{hours}h {mins}m ago" if hours else f"{mins}m ago"


def status_columns(zone: str, device_width: int) -> list[Column]:
    return [
        Column("device_id", "device", device_width),
        Column("last_seen_local", f"last seen ({zone})", 19),
        Column("seconds_since_seen", "", 12, ago, right=True),
        Column("temperature_c", "temp °C", 7, celsius, right=True),
        Column("setpoint_c", "setpoint °C", 11, celsius, right=True),
        Column("heating", "heating", 7, on_off),
        Column("alert_state", "alert", 6),
        Column("settings", "settings", 24),
        Column("silent", "state", 6, lambda v: "SILENT" if v else "ok"),
    ]


def device_columns(width: int) -> list[Column]:
    return [
        Column("device_id", "device", width),
        Column("created", "created", 10),
        Column("keys", "keys", 4, right=True),
        Column("key_age", "key age", 8),
        Column("last_seen", "last seen", 12),
        Column("software", "software", 20),
    ]


def alert_columns(zone: str, width: int) -> list[Column]:
    return [
        Column("local_time", f"when ({zone})", 16),
        Column("device_id", "device", width),
        Column("kind", "kind", 18),
        Column("subject", "alert", 40),
    ]
