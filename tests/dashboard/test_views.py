"""What the page is told about a device: durations for people, alert states by name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from thermostat.items import StatusItem
from thermostat_cli.dashboard import views

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)


def status(seen_ago: timedelta, alert_state: str = "normal") -> StatusItem:
    seen = NOW - seen_ago
    return StatusItem("office", seen, seen, 19.5, 20.0, True, alert_state=alert_state)


@pytest.mark.parametrize(
    ("span", "said"),
    [
        (timedelta(seconds=42), "42 s"),
        (timedelta(minutes=15), "15 min"),
        (timedelta(hours=2), "2 h"),
        (timedelta(hours=2, minutes=14, seconds=50), "2 h 14 min"),
        (timedelta(days=3, hours=5), "3 d 5 h"),
        (timedelta(days=1), "1 d"),
    ],
)
def test_durations_are_said_in_the_two_largest_units(span: timedelta, said: str) -> None:
    """'no reading for 2 h 14 min', not 2h14m50s."""
    assert views.spoken_duration(span) == said


def test_silence_starts_after_the_threshold() -> None:
    """Exactly --silent-after is still fine; a second more is silent."""
    threshold = timedelta(minutes=15)
    assert views.tile(status(threshold), NOW, threshold)["silent"] is False
    assert views.tile(status(threshold + timedelta(seconds=1)), NOW, threshold)["silent"] is True


def test_an_alert_state_this_version_does_not_know_is_shown_by_name() -> None:
    """A newer stream function's state (say heating_fault) still shows, in words."""
    (alert,) = views.tile(status(timedelta(0), "heating_fault"), NOW, timedelta(minutes=15))[
        "alerts"
    ]
    assert (alert["kind"], alert["text"]) == ("heating_fault", "heating fault")


def test_today_is_the_local_day_of_the_page() -> None:
    """range=today in Tokyo at 12:00 UTC is Tokyo's 2026-01-05, from 15:00 UTC the day before."""
    from zoneinfo import ZoneInfo

    chosen = views.chart_range("today", ZoneInfo("Asia/Tokyo"), NOW)
    assert chosen.span.start == datetime(2026, 1, 4, 15, tzinfo=UTC)
    assert chosen.span.end - chosen.span.start == timedelta(days=1)
