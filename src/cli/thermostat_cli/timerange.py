"""Time arguments: zones, days, ``--from/--to`` and durations such as ``15m``."""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from thermostat.items import day_label, hour_label
from thermostat_cli.errors import BadArguments

# Sort keys are inclusive (BETWEEN) and timestamps have millisecond precision.
ONE_MS = timedelta(milliseconds=1)
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def zone(name: str) -> tzinfo:
    """argparse type for ``--tz``: an IANA zone name such as ``Europe/Berlin``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise argparse.ArgumentTypeError(f"unknown time zone {name!r}") from err


def local_zone() -> tzinfo:
    """The machine's zone, as a DST-aware ``ZoneInfo`` when it can be named."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    # /etc/localtime is a link into the zoneinfo tree on Debian and macOS.
    parts = Path("/etc/localtime").resolve().parts
    if "zoneinfo" in parts:
        try:
            return ZoneInfo("/".join(parts[parts.index("zoneinfo") + 1 :]))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return datetime.now().astimezone().tzinfo or UTC


def zone_name(tz: tzinfo) -> str:
    name = getattr(tz, "key", None) or tz.tzname(datetime.now(UTC)) or "local"
    return "UTC" if name in {"Etc/UTC", "Etc/Universal", "Etc/Zulu", "UCT"} else str(name)


def day(text: str) -> date:
    """argparse type for ``--day``: ``YYYY-MM-DD``."""
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {text!r}") from err


def moment_or_day(text: str) -> datetime | date:
    """argparse type for ``--from/--to``: a day, or an ISO 8601 time (zone optional)."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return day(text)
    try:
        return datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError as err:
        raise argparse.ArgumentTypeError(
            f"not a day or time (2026-11-21 or 2026-11-21T18:30): {text!r}"
        ) from err


def duration(text: str) -> timedelta:
    """argparse type for durations: ``90s``, ``15m``, ``2h``, ``1d``, ``1h30m``."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION_PART.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise argparse.ArgumentTypeError(f"not a duration (e.g. 90s, 15m, 2h, 1d): {text!r}")
    return timedelta(seconds=sum(float(n) * _UNIT_SECONDS[u] for n, u in parts))


def add_duration_option(
    parser: argparse._ActionsContainer,
    flag: str,
    *,
    help: str,
    default: timedelta | None = None,
) -> None:
    """An option that takes a DURATION (``90s``, ``15m``, ``2h``, ``1d``), read by
    :func:`duration`."""
    parser.add_argument(flag, type=duration, default=default, metavar="DURATION", help=help)


def add_when_option(
    parser: argparse._ActionsContainer,
    flag: str,
    *,
    dest: str,
    help: str,
) -> None:
    """An option that takes a WHEN (a day, or an ISO time), read by :func:`moment_or_day`."""
    parser.add_argument(flag, dest=dest, type=moment_or_day, metavar="WHEN", help=help)


def format_duration(span: timedelta) -> str:
    """``timedelta(minutes=90)`` as ``1h30m``: the form ``duration`` reads."""
    seconds = round(span.total_seconds())
    parts = []
    for unit in ("d", "h", "m", "s"):
        count, seconds = divmod(seconds, _UNIT_SECONDS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def _start_of(day_: date, tz: tzinfo) -> datetime:
    return datetime.combine(day_, time(0), tz).astimezone(UTC)


@dataclass(frozen=True)
class TimeRange:
    """``[start, end)`` in UTC, shown in ``tz``."""

    start: datetime
    end: datetime
    tz: tzinfo

    @classmethod
    def for_day(cls, day_: date, tz: tzinfo) -> DayRange:
        return DayRange(_start_of(day_, tz), _start_of(day_ + timedelta(days=1), tz), tz, day_)

    @classmethod
    def between(
        cls, since: datetime | date, until: datetime | date | None, tz: tzinfo
    ) -> TimeRange:
        """``--to DAY`` includes that whole day; ``--to TIME`` is exclusive; no ``--to`` is now."""
        start = _start_of(since, tz) if not isinstance(since, datetime) else _aware(since, tz)
        if until is None:
            end = datetime.now(UTC)
        elif isinstance(until, datetime):
            end = _aware(until, tz)
        else:
            end = _start_of(until + timedelta(days=1), tz)
        if end <= start:
            raise BadArguments("--to must be later than --from")
        return cls(start, end, tz)

    @property
    def last(self) -> datetime:
        """The last millisecond inside the range (sort-key ranges are inclusive)."""
        return self.end - ONE_MS

    def hour_labels(self) -> tuple[str, str]:
        return hour_label(self.start), hour_label(self.last)

    def day_labels(self) -> tuple[str, str]:
        return day_label(self.start), day_label(self.last)

    def describe(self) -> str:
        fmt = "%Y-%m-%d %H:%M"
        start, end = self.start.astimezone(self.tz), self.end.astimezone(self.tz)
        return f"from {start.strftime(fmt)} to {end.strftime(fmt)} ({zone_name(self.tz)})"


@dataclass(frozen=True)
class DayRange(TimeRange):
    """The one calendar day in ``tz`` the user asked for (``--day``)."""

    day: date

    def day_labels(self) -> tuple[str, str]:
        # Daily rollups are UTC days: `--day D` means the rollup labelled D.
        return self.day.isoformat(), self.day.isoformat()

    def describe(self) -> str:
        return f"on {self.day.isoformat()} ({zone_name(self.tz)})"


def _aware(moment: datetime, tz: tzinfo) -> datetime:
    # A time without an offset is read in the display zone, like the table shows it.
    return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).astimezone(UTC)
