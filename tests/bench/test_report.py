"""bench.report: the table renders a results file as bench/results.py saves it."""

from __future__ import annotations

from bench import report


def test_table_skips_the_measured_stamp_of_the_external_area() -> None:
    """results.save stamps every area with "measured"; it is not a row of the external area."""
    results = {
        "machine": {"when": "2026-11-29 21:00 UTC", "cpus": 2, "python": "3.11.7", "load": "1"},
        "external": {
            "images": [["thermostat-ingest:latest", "136 MB / 52 MB"]],
            "measured": "2026-11-29 21:00 UTC",
        },
    }
    rendered = report.table(results)
    assert "| images | thermostat-ingest:latest | 136 MB / 52 MB |  |" in rendered
    assert "| measured |" not in rendered


def test_table_opens_with_what_a_thermostat_costs() -> None:
    """The cost summary line is computed from the default and seed rows, not typed."""
    default = {"per_device_month": {"1": 0.06}, "per_month": {"1000": 60.0}}
    results = {
        "cost": {
            "seed_usd_per_device_month": 0.08,
            "scenarios": {
                "default": {**default, "label": "d", "items_1_device": {}},
                "seed": {
                    "per_device_month": {"1": 0.08, "50": 0.08, "1000": 0.08},
                    "per_month": {"1": 0.08, "50": 4.0, "1000": 80.0},
                    "label": "s",
                    "items_1_device": {},
                },
            },
            "prices": [{"region": "us-east-1", "date": "2026-11-29"}],
        }
    }
    first = report.cost_summary(results["cost"])
    assert first == (
        "**What a thermostat costs on AWS**: with the default settings, one device at one"
        " reading a minute costs $0.0600 a month (us-east-1 prices of 2026-11-29), 0.75x the"
        " seed's design measured the same way ($0.0800); 1,000 devices $60.00 a month."
    )
