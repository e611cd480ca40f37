"""A device's desired settings: setpoint, mode and weekly schedule, set from anywhere.

The owner writes them (``thermostat set``, the dashboard) into the table; the ingest function
hands a newer version to the Pi in its reply; the Pi validates, applies and keeps them, and
runs the schedule itself (offline too). One model, shared by all three.

A schedule is text people can type, in the device's time zone::

    mon-fri 06:30=21 08:30=17 17:00=21 22:30=17; sat,sun 08:00=21 23:00=17

Each day's entries say "from this local time on, this setpoint". Before a day's first entry
the last entry of the days before applies (the week wraps around). Local times follow the
zone's DST rules: on a spring-forward day an entry inside the skipped hour applies from the
first minute after the jump.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from thermostat.contract import SETPOINT_MAX_C, SETPOINT_MIN_C, ZoneName

Mode = Literal["heat", "off", "away"]
MODES: tuple[Mode, ...] = ("heat", "off", "away")
DEFAULT_AWAY_SETPOINT_C = 10.0  # frost protection while nobody is home
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_ENTRIES_PER_DAY = 12
Setpoint = Annotated[float, Field(ge=SETPOINT_MIN_C, le=SETPOINT_MAX_C)]
_ENTRY = re.compile(r"^(\d{1,2}):(\d{2})=(-?\d+(?:\.\d+)?)$")


class ScheduleError(ValueError):
    """A schedule text that cannot be read; the message names the part and says why."""


def _days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ScheduleError(f"{part.strip()!r} is not a day or range of days (mon..sun)")
        start, end = DAYS.index(first), DAYS.index(last or first)
        if end < start:
            raise ScheduleError(f"{part.strip()!r} runs backwards (write it as two parts)")
        days.extend(range(start, end + 1))
    return days


def _entry(text: str) -> tuple[time, float]:
    match = _ENTRY.match(text)
    if not match:
        raise ScheduleError(f"{text!r} is not HH:MM=setpoint (e.g. 06:30=21)")
    hour, minute, value = int(match[1]), int(match[2]), float(match[3])
    if hour > 23 or minute > 59:
        raise ScheduleError(f"{text!r}: {hour:02d}:{minute:02d} is not a time of day")
    if not SETPOINT_MIN_C <= value <= SETPOINT_MAX_C:
        raise ScheduleError(
            f"{text!r}: setpoint {value:g} C is outside {SETPOINT_MIN_C:g}..{SETPOINT_MAX_C:g} C"
        )
    return time(hour, minute), value


class WeeklySchedule:
    """Setpoints by local weekday and time (``parse`` / ``text``)."""

    def __init__(self, days: dict[int, list[tuple[time, float]]]) -> None:
        self.days = {day: sorted(entries) for day, entries in days.items() if entries}

    @classmethod
    def parse(cls, text: str) -> Self:
        days: dict[int, dict[time, float]] = {}
        for part in filter(None, (p.strip() for p in text.split(";"))):
            head, *words = part.split()
            if not words:
                raise ScheduleError(f"{part!r} has days but no HH:MM=setpoint entries")
            for day in _days(head):
                for word in words:
                    at, value = _entry(word)
                    days.setdefault(day, {})[at] = value
        if not days:
            raise ScheduleError("the schedule is empty (clear it with --clear-schedule)")
        for day, by_time in days.items():
            if len(by_time) > MAX_ENTRIES_PER_DAY:
                raise ScheduleError(f"{DAYS[day]} has more than {MAX_ENTRIES_PER_DAY} entries")
        return cls({day: list(by_time.items()) for day, by_time in days.items()})

    @property
    def text(self) -> str:
        """The canonical spelling, days in order; neighbouring days with the same entries share
        a part (``mon-fri 06:30=21 22:30=17; sat-sun 08:00=21``), as people write it."""
        parts: list[tuple[int, int, str]] = []  # first day, last day, entries
        for day, entries in sorted(self.days.items()):
            spelled = " ".join(f"{at:%H:%M}={value:g}" for at, value in entries)
            if parts and parts[-1][1] == day - 1 and parts[-1][2] == spelled:
                parts[-1] = (parts[-1][0], day, spelled)
            else:
                parts.append((day, day, spelled))
        return "; ".join(
            f"{DAYS[first]}{'' if first == last else '-' + DAYS[last]} {spelled}"
            for first, last, spelled in parts
        )

    def setpoint_at(self, local: datetime) -> float:
        """The setpoint in force at local wall time ``local`` (aware, in the device's zone)."""
        today = local.weekday()
        wall = local.time().replace(tzinfo=None)
        for back in range(8):  # today, then the days before, around the week
            entries = self.days.get((today - back) % 7, [])
            if back:
                if entries:
                    return entries[-1][1]
                continue
            earlier = [value for at, value in entries if at <= wall]
            if earlier:
                return earlier[-1]
        raise ScheduleError("the schedule has no entries")  # parse() never allows this


class DeviceSettings(BaseModel):
    """What the owner wants a device to do; ``version`` grows with every change."""

    # Built on first use: the functions' cold start needs it only when a device has settings.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    version: int = Field(ge=1)
    setpoint_c: Setpoint = 20.0  # in mode heat, without a schedule
    mode: Mode = "heat"
    away_setpoint_c: Setpoint = DEFAULT_AWAY_SETPOINT_C
    schedule: str | None = None  # WeeklySchedule text; None: the setpoint all week
    timezone: ZoneName = "UTC"  # IANA zone the schedule's times are in

    @field_validator("schedule")
    @classmethod
    def _readable_schedule(cls, value: str | None) -> str | None:
        return None if value is None else WeeklySchedule.parse(value).text

    def target_c(self, now: datetime) -> float | None:
        """The setpoint to heat to at ``now``; None in mode off (the heat stays off)."""
        if self.mode == "off":
            return None
        if self.mode == "away":
            return self.away_setpoint_c
        if self.schedule is None:
            return self.setpoint_c
        local = now.astimezone(ZoneInfo(self.timezone))
        return WeeklySchedule.parse(self.schedule).setpoint_at(local)

    def describe(self) -> str:
        """One line for people: what the device will do."""
        if self.mode == "off":
            return "off"
        if self.mode == "away":
            return f"away ({self.away_setpoint_c:g} C)"
        if self.schedule:
            return f"schedule ({self.timezone}): {self.schedule}"
        return f"heat to {self.setpoint_c:g} C"
