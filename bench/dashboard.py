"""The dashboard's first load: a day of one device's readings, navigation to chart drawn.

Usage: .venv/bin/python -m bench.dashboard [--runs 7]

Starts moto_server on a free port, writes a simulated day into a new table with
``thermostat-devstack seed-demo --create-table`` (1440 readings, their rollups and the status,
exactly as the functions store them), starts ``thermostat dashboard`` against it
(THERMOSTAT_TABLE and the usual AWS settings), and opens
``#device=living-room&range=day&day=D`` in Debian's Chromium, each load in a fresh browser
context (nothing cached in the browser). The figures are the page's own User Timing marks, in
milliseconds from navigation start: ``chart-first-drawn`` (the day's newest hours, up to 500
readings, drawn) and ``chart-drawn`` (all 1440 readings drawn, after the second request).

* cold: the first load after the dashboard started (it reads all 1440 readings);
* warm: later first loads of new pages (complete hours come from the server's hour cache,
  checked against the hourly rollups: one Query of 24 rollups);
* the day's Query alone, timed against the emulator: the floor moto sets for a cold load.

Not make dev: there the stream function also folds seed-demo's readings into the rollups
seed-demo wrote, so those counts disagree with the readings and the cache rightly refuses
them. Target: under 1 s. Needs Chromium (apt-get install -y chromium).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from tests.support.dashboard_stack import BIN, chromium, running_dashboard
from tests.support.moto import running_moto_server
from thermostat_cli.dashboard import reads
from thermostat_cli.queries import Table
from thermostat_cli.timerange import TimeRange

TARGET_MS = 1000.0
DEVICE = "living-room"
TABLE = "thermostat-bench"


def _p90(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Load:
    """One first load of the page, in ms from navigation start."""

    first_drawn: float  # the chart's first drawing: the day's newest hours
    drawn: float  # all 1440 readings drawn
    chart_requests: float  # the chart requests' own time, summed


def _one_load(browser: Any, url: str) -> Load:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="UTC")
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("#chart[data-state='drawn'][data-points='1440']", timeout=60_000)
        marks = page.evaluate(
            """() => ['chart-first-drawn', 'chart-drawn']
                 .map(name => performance.getEntriesByName(name)[0].startTime)"""
        )
        chart = page.evaluate(
            """() => performance.getEntriesByType('resource')
                 .filter(e => e.name.includes('/chart?'))
                 .reduce((total, e) => total + e.duration, 0)"""
        )
        return Load(float(marks[0]), float(marks[1]), float(chart))
    finally:
        context.close()


def _query_ms(client: Any, table: str, day: datetime, runs: int) -> list[float]:
    span = TimeRange.for_day(day.date(), UTC)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        rows = reads.samples(Table(client, table), DEVICE, span.start, span.last)
        times.append((time.perf_counter() - started) * 1000)
        assert len(rows) == 1440, len(rows)
    return times


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="page loads to time (7)")
    args = parser.parse_args(argv)
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(1)
    with (
        tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp,
        running_moto_server(Path(tmp) / "moto.log") as moto,
    ):
        env = {**moto.env(), "THERMOSTAT_TABLE": TABLE}
        seed = [str(BIN / "thermostat-devstack"), "seed-demo", "--day", str(day.date())]
        seed += ["--device", DEVICE, "--table", TABLE, "--create-table"]
        subprocess.run(seed, env={**os.environ, **env}, check=True, capture_output=True)
        client = boto3.client(
            "dynamodb",
            endpoint_url=moto.endpoint_url,
            region_name=env["AWS_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )
        query = _query_ms(client, TABLE, day, args.runs)
        with running_dashboard(Path(tmp), env=env) as dashboard, chromium() as browser:
            url = f"{dashboard.url}#device={DEVICE}&range=day&day={day.date()}"
            cold = _one_load(browser, url)
            loads = [_one_load(browser, url) for _ in range(args.runs)]
    first = [load.first_drawn for load in loads]
    drawn = [load.drawn for load in loads]
    chart = [load.chart_requests for load in loads]
    print("dashboard first load of a page: one day of one device, 1440 readings (moto_server)")
    print(
        f"  cold (server just started): first drawn {cold.first_drawn:.0f} ms, all drawn"
        f" {cold.drawn:.0f} ms (chart requests {cold.chart_requests:.0f} ms)"
    )
    print(
        f"  warm, {args.runs} new pages: all drawn median {statistics.median(drawn):.0f} ms, p90"
        f" {_p90(drawn):.0f} ms; first drawn median {statistics.median(first):.0f} ms (chart"
        f" requests median {statistics.median(chart):.0f} ms)"
    )
    print(
        f"  the day's Query alone: median {statistics.median(query):.0f} ms (the emulator's floor)"
    )
    verdicts = [
        ("cold, first drawn", cold.first_drawn),
        ("cold, all drawn", cold.drawn),
        ("warm median, all drawn", statistics.median(drawn)),
    ]
    for name, figure in verdicts:
        verdict = "under" if figure < TARGET_MS else "OVER"
        print(f"  {name} {verdict} the {TARGET_MS:.0f} ms target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
