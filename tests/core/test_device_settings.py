"""The weekly schedule's canonical text: what is stored and shown."""

import pytest

from thermostat.device_settings import WeeklySchedule


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        (
            "mon-fri 06:30=21 22:30=17; sat,sun 08:00=21 23:00=17",
            "mon-fri 06:30=21 22:30=17; sat-sun 08:00=21 23:00=17",
        ),
        ("wed 06:00=20; mon 06:00=20; thu 6:00=20.0", "mon 06:00=20; wed-thu 06:00=20"),
        ("sun 07:00=19; mon-sat 06:00=20", "mon-sat 06:00=20; sun 07:00=19"),
        ("mon 22:30=17 06:30=21", "mon 06:30=21 22:30=17"),
    ],
)
def test_neighbouring_days_with_the_same_entries_share_a_part(typed: str, canonical: str) -> None:
    """Days in order, times in order, neighbours with equal entries joined as a range."""
    schedule = WeeklySchedule.parse(typed)
    assert schedule.text == canonical
    assert WeeklySchedule.parse(schedule.text).days == schedule.days
