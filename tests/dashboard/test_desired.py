"""The schedule as the page shows it: days with the same entries written once."""

from __future__ import annotations

import pytest

from thermostat.device_settings import WeeklySchedule
from thermostat_cli.dashboard.desired import compact


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (
            "mon-fri 06:30=21 08:30=19 17:00=21.5 22:30=17; sat,sun 08:00=21 23:00=17",
            "mon-fri 06:30=21 08:30=19 17:00=21.5 22:30=17; sat,sun 08:00=21 23:00=17",
        ),
        ("mon 06:00=20; wed 06:00=20; thu-sun 07:00=19", "mon,wed 06:00=20; thu-sun 07:00=19"),
        ("mon-sun 6:00=20", "mon-sun 06:00=20"),
        ("sun 06:00=20; mon 06:00=20; tue 07:00=18", "mon,sun 06:00=20; tue 07:00=18"),
    ],
)
def test_a_stored_schedule_is_shown_compact_and_means_the_same(typed: str, shown: str) -> None:
    """The table's one-part-per-day spelling, grouped again; it parses to the same schedule."""
    stored = WeeklySchedule.parse(typed).text
    assert compact(stored) == shown
    assert WeeklySchedule.parse(shown).text == stored
