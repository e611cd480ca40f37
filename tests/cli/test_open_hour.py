"""`thermostat history` shows the hour still open (kept on the device's status item)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from tests.cli.helpers import put_items, run_cli, stored_day
from thermostat.items import RollupItem, combine_stats


def test_hourly_and_daily_include_the_open_hour_from_the_status(dynamodb: Any) -> None:
    """The current hour lives on the status item until it ends: history shows it too."""
    readings, items = stored_day("hall", timedelta(minutes=30))
    hours = [RollupItem.from_item(i) for i in items if i.get("item_type") == "hourly"]
    status = next(i for i in items if i.get("item_type") == "status")
    status["open_hour"] = {"period": hours[-1].period, **hours[-1].stats.to_attributes()}
    closed_day = RollupItem(
        "hall", "daily", "2025-12-01", combine_stats([h.stats for h in hours[:-1]])
    )
    put_items(
        dynamodb,
        [i for i in items if i.get("item_type") == "reading"]
        + [h.to_item() for h in hours[:-1]]
        + [closed_day.to_item(), status],
    )
    hourly = run_cli("history", "--device", "hall", "--day", "2025-12-01", "--hourly", "--json")
    assert len(hourly.out.splitlines()) == 24
    daily = run_cli("history", "--device", "hall", "--day", "2025-12-01", "--daily", "--json")
    assert json.loads(daily.out)["reading_count"] == len(readings)
