"""Time arguments: durations, days, --from/--to and time zones."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from thermostat_cli.errors import BadArguments
from thermostat_cli.timerange import (
    TimeRange,
    duration,
    format_duration,
    local_zone,
    moment_or_day,
    zone,
    zone_name,
)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), ("1.5h", 5400)],
)
def test_durations_parse(text: str, seconds: int) -> None:
    """Durations are numbers with s/m/h/d units, combinable."""
    assert duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["15", "m", "15 minutes", "-5m", ""])
def test_durations_without_units_are_rejected(text: str) -> None:
    """A bare number or a word is not a duration."""
    with pytest.raises(argparse.ArgumentTypeError):
        duration(text)


def test_format_duration_round_trips() -> None:
    """What format_duration writes, duration reads back."""
    for span in (timedelta(minutes=15), timedelta(hours=1, minutes=30), timedelta(days=2)):
        assert duration(format_duration(span)) == span
    assert format_duration(timedelta(seconds=90)) == "1m30s"


def test_day_in_a_zone_spans_local_midnight_to_midnight() -> None:
    """--day in Europe/Berlin in winter is 23:00Z to 23:00Z."""
    span = TimeRange.for_day(date(2025, 12, 1), BERLIN)
    assert span.start == datetime(2025, 11, 30, 23, tzinfo=UTC)
    assert span.end == datetime(2025, 12, 1, 23, tzinfo=UTC)


def test_day_when_clocks_go_back_has_25_hours() -> None:
    """The DST change day is 25 hours long, not 24."""
    span = TimeRange.for_day(date(2025, 10, 26), BERLIN)
    assert span.end - span.start == timedelta(hours=25)


def test_to_day_is_included_and_to_time_is_excluded() -> None:
    """--to DAY includes the day; --to TIME is the exclusive end."""
    by_day = TimeRange.between(date(2025, 12, 1), date(2025, 12, 2), UTC)
    assert by_day.end == datetime(2025, 12, 3, tzinfo=UTC)
    by_time = TimeRange.between(date(2025, 12, 1), datetime(2025, 12, 1, 7, tzinfo=UTC), UTC)
    assert by_time.end == datetime(2025, 12, 1, 7, tzinfo=UTC)
    assert by_time.last == datetime(2025, 12, 1, 6, 59, 59, 999000, tzinfo=UTC)


def test_time_without_offset_is_read_in_the_display_zone() -> None:
    """--from 2025-12-01T06:00 with --tz Europe/Berlin is 05:00Z."""
    span = TimeRange.between(moment_or_day("2025-12-01T06:00"), None, BERLIN)
    assert span.start == datetime(2025, 12, 1, 5, tzinfo=UTC)


def test_time_with_offset_keeps_it() -> None:
    """An explicit offset wins over --tz."""
    span = TimeRange.between(moment_or_day("2025-12-01T06:00+00:00"), None, BERLIN)
    assert span.start == datetime(2025, 12, 1, 6, tzinfo=UTC)


def test_missing_to_means_now() -> None:
    """--from without --to runs until now."""
    span = TimeRange.between(date(2025, 12, 1), None, UTC)
    assert abs(span.end - datetime.now(UTC)) < timedelta(seconds=5)


def test_empty_range_is_refused() -> None:
    """--to equal to --from is an error, not an empty answer."""
    moment = datetime(2025, 12, 1, tzinfo=UTC)
    with pytest.raises(BadArguments):
        TimeRange.between(moment, moment, UTC)


def test_rollup_labels_of_a_local_day() -> None:
    """Hourly labels follow the local day in UTC; the daily label is the asked day."""
    span = TimeRange.for_day(date(2025, 12, 1), BERLIN)
    assert span.hour_labels() == ("2025-11-30T23", "2025-12-01T22")
    assert span.day_labels() == ("2025-12-01", "2025-12-01")


@pytest.mark.parametrize("text", ["yesterday", "2025-13-01", "01/12/2025"])
def test_bad_days_and_times_are_rejected(text: str) -> None:
    """Anything that is not an ISO day or time is a usage error."""
    with pytest.raises(argparse.ArgumentTypeError):
        moment_or_day(text)


def test_unknown_zone_is_rejected() -> None:
    """--tz Mars/Olympus is a usage error."""
    with pytest.raises(argparse.ArgumentTypeError, match="unknown time zone"):
        zone("Mars/Olympus")


def test_local_zone_follows_tz_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """TZ=America/New_York makes that the default display zone, with its DST rules."""
    monkeypatch.setenv("TZ", "America/New_York")
    assert zone_name(local_zone()) == "America/New_York"


def test_utc_aliases_are_shown_as_utc() -> None:
    """Etc/UTC (Debian's default) is shown as plain UTC."""
    assert zone_name(ZoneInfo("Etc/UTC")) == "UTC"
