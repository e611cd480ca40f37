"""The README's screenshots of the dashboard, made from a real `make dev`.

Usage: .venv/bin/python -m tests.browser.screenshots [--out docs/images]

Starts thermostat-devstack with its simulated Pi (dev-pi), writes a simulated day of
living-room with seed-demo, two alerts of that day (the stream function's own wording), a
weekly schedule for living-room (as the page's Adjust section writes it; living-room is
silent, so it waits for the device) and a third device, office, last heard from 45 minutes
ago; then photographs the page in Debian's Chromium at desktop and phone width, the pointer
over the chart.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from devstack.demo import status_item, write_items
from tests.support.dashboard_stack import REPO, chromium, running_dashboard, running_devstack
from thermostat.contract import Reading
from thermostat_cli.queries import Table
from thermostat_cli.settings_changes import change_settings
from thermostat_stream.alerts import AlertTransition, describe

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# seed-demo's programme for living-room's weekdays, as a schedule.
SCHEDULE = {
    "schedule": "mon-fri 06:30=21 08:30=19 17:00=21.5 22:30=17; sat,sun 08:00=21 23:00=17",
    "timezone": "UTC",
}


def _reading(device: str, at: datetime, temperature: float, setpoint: float) -> Reading:
    return Reading(
        device_id=device,
        recorded_at=at,
        temperature_c=temperature,
        setpoint_c=setpoint,
        heating=temperature < setpoint,
    )


def extra_items(day: datetime) -> list[dict[str, Any]]:
    """Two alerts of living-room's day and a silent office."""
    cold = _reading("living-room", day + timedelta(hours=6, minutes=12), 16.4, 17.0)
    back = _reading("living-room", day + timedelta(hours=6, minutes=41), 17.6, 21.0)
    alerts = [
        describe(AlertTransition("living-room", "normal", "low", cold)),
        describe(AlertTransition("living-room", "low", "normal", back)),
    ]
    seen = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=45)
    office = status_item(_reading("office", seen - timedelta(seconds=2), 18.2, 20.0), seen_at=seen)
    return [*(a.to_item() for a in alerts), office.to_item()]


def shoot(out: Path) -> list[Path]:
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(1)
    written = []
    with (
        tempfile.TemporaryDirectory(prefix="dashboard-shots-") as tmp,
        running_devstack(Path(tmp), pi_interval=2.0) as devstack,
    ):
        devstack.wait_for_reading("dev-pi")
        devstack.seed_demo("living-room", day.date())
        write_items(devstack.client(), devstack.endpoints.table_name, extra_items(day))
        table = Table(devstack.client(), devstack.endpoints.table_name)
        change_settings(table, "living-room", SCHEDULE, updated_by="dashboard")
        time.sleep(6)  # a few more of the Pi's readings
        with (
            running_dashboard(devstack.folder, "--refresh", "2") as dashboard,
            chromium() as browser,
        ):
            url = f"{dashboard.url}#device=living-room&range=day&day={day.date()}"
            for name, viewport in SIZES.items():
                written.append(_shoot(browser, url, viewport, out / f"dashboard-{name}.png"))
    return written


def _shoot(browser: Any, url: str, viewport: dict[str, int], path: Path) -> Path:
    context = browser.new_context(viewport=viewport, timezone_id="UTC")
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("#chart[data-points='1440']", timeout=60_000)
        page.wait_for_selector(".tile[data-device='dev-pi']", timeout=60_000)
        page.wait_for_selector("#alerts time", timeout=60_000)
        page.wait_for_selector("#settings-status[data-state='waiting']", timeout=60_000)
        box = page.locator("#chart .u-over").bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.72, box["y"] + box["height"] / 2)
        page.screenshot(path=str(path), full_page=True)
    finally:
        context.close()
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.browser.screenshots", description=__doc__
    )
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images")
    args = parser.parse_args(argv)
    for path in shoot(args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
