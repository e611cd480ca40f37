"""`thermostat alerts`: the alerts kept in the table, as a table, JSON, CSV or whole."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.cli.helpers import put_items, run_cli, status_seen
from thermostat.items import AlertItem

NOW = datetime.now(UTC).replace(microsecond=0)


def _alert(device: str, ago: timedelta, kind: str = "temperature_low") -> dict[str, Any]:
    return AlertItem(
        device_id=device,
        occurred_at=NOW - ago,
        kind=kind,
        subject=f"{device}: too cold (11.8 C)",
        message=f"{device}: too cold (11.8 C).\nCheck that no window is open.",
        facts={"alert": "low", "temperature_c": 11.8},
        published_at=NOW - ago,
    ).to_item()


def test_alerts_of_every_device_come_oldest_first(dynamodb: Any) -> None:
    """Each device's alerts in the window, merged in time order."""
    put_items(dynamodb, [status_seen("hall", timedelta(0)), status_seen("attic", timedelta(0))])
    put_items(
        dynamodb,
        [_alert("hall", timedelta(hours=2)), _alert("attic", timedelta(hours=1), "silent")],
    )
    result = run_cli("alerts", "--json")
    assert result.code == 0, result.err
    rows = [json.loads(line) for line in result.out.splitlines()]
    assert [(r["device_id"], r["kind"]) for r in rows] == [
        ("hall", "temperature_low"),
        ("attic", "silent"),
    ]
    assert rows[0]["message"].endswith("Check that no window is open.")


def test_alerts_since_leaves_older_ones_out(dynamodb: Any) -> None:
    """--since 1h: an alert of two hours ago is not listed."""
    put_items(dynamodb, [_alert("hall", timedelta(hours=2)), _alert("hall", timedelta(minutes=5))])
    result = run_cli("alerts", "--device", "hall", "--since", "1h", "--json")
    assert len(result.out.splitlines()) == 1


def test_full_shows_each_alert_as_the_topic_sends_it(dynamodb: Any) -> None:
    """--full: the subject and the whole message of each alert."""
    put_items(dynamodb, [_alert("hall", timedelta(minutes=5))])
    result = run_cli("alerts", "--device", "hall", "--full", "--tz", "UTC")
    assert result.code == 0, result.err
    assert "temperature_low\nSubject: hall: too cold (11.8 C)\n\nhall: too cold" in result.out
    assert "Check that no window is open.\n" in result.out


def test_csv_facts_are_one_json_cell(dynamodb: Any) -> None:
    """--csv: the facts column parses as JSON."""
    put_items(dynamodb, [_alert("hall", timedelta(minutes=5))])
    result = run_cli("alerts", "--device", "hall", "--csv")
    row = next(csv.DictReader(io.StringIO(result.out)))
    assert json.loads(row["facts"]) == {"alert": "low", "temperature_c": 11.8}
    assert row["published"] == "true"


def test_no_alerts_says_since_when(dynamodb: Any) -> None:
    """Nothing in the window: a note on stderr, exit 0."""
    result = run_cli("alerts", "--device", "hall")
    assert (result.code, result.out) == (0, "")
    assert "no alerts since" in result.err
