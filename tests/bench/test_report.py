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
