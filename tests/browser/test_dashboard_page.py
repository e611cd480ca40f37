"""The dashboard in Chromium through `make dev`: tiles, charts, keyboard, phone width, errors."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from tests.browser.conftest import PHONE, seeded_day
from tests.support.dashboard_stack import Dashboard, Devstack, running_dashboard
from thermostat.contract import parse_timestamp
from thermostat.items import READING_PREFIX, ReadingItem, from_wire, prefix_query, reading_key

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

TEMPERATURE = (0xC0, 0x39, 0x2B)
HEATING_SHADE = (0xFC, 0xD9, 0xB1)
WAIT_MS = 20_000


def newest_reading(devstack: Devstack, device: str) -> ReadingItem:
    page = devstack.client().query(
        TableName=devstack.endpoints.table_name,
        ScanIndexForward=False,
        Limit=1,
        **prefix_query(device, READING_PREFIX),
    )
    return ReadingItem.from_item(from_wire(page["Items"][0]))


def pixels_of(png: bytes, colour: tuple[int, int, int], tolerance: int = 12) -> int:
    """How many pixels of the PNG are within ``tolerance`` of ``colour``."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    counts = image.getcolors(maxcolors=image.width * image.height) or []
    return sum(
        count
        for count, pixel in counts
        if all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))
    )


def open_device(page: Any, dashboard: Dashboard, fragment: str) -> None:
    """The page at ``fragment`` with its chart drawn and its tiles shown (the chart and the
    tiles are two requests: either may be first)."""
    page.goto(f"{dashboard.url}#{fragment}")
    page.wait_for_selector("#chart[data-state=drawn]", timeout=WAIT_MS)
    page.wait_for_selector(".tile", timeout=WAIT_MS)


def test_tile_shows_the_simulated_pi_within_seconds_of_its_reading(
    page: Any, dashboard: Dashboard, devstack: Devstack
) -> None:
    """The Pi's reading stored after the page opened appears on its tile, with its values."""
    page.goto(dashboard.url)
    tile = page.locator('.tile[data-device="dev-pi"]')
    tile.wait_for(timeout=WAIT_MS)
    stored = newest_reading(devstack, "dev-pi")
    # A later reading than the one stored when we looked: the tile follows the Pi live.
    page.wait_for_function(
        """([device, after]) => {
             const tile = document.querySelector(`.tile[data-device="${device}"]`);
             return tile && tile.dataset.recordedAt > after;
           }""",
        arg=["dev-pi", stored.reading.timestamp],
        timeout=WAIT_MS,
    )
    shown_at = parse_timestamp(tile.get_attribute("data-recorded-at"))
    item = devstack.client().get_item(
        TableName=devstack.endpoints.table_name,
        Key={k: {"S": v} for k, v in reading_key("dev-pi", shown_at).items()},
    )["Item"]
    shown = ReadingItem.from_item(from_wire(item)).reading
    assert tile.locator(".temp").inner_text() == f"{shown.temperature_c:.1f} °C"
    assert tile.locator(".setpoint").inner_text() == f"Setpoint {shown.setpoint_c:.1f} °C"
    heating = "Heating on" if shown.heating else "Heating off"
    assert tile.locator(".heating").inner_text() == heating
    assert tile.locator(".seen").inner_text().startswith("Last seen")
    assert tile.get_attribute("data-silent") == "false"


def test_the_live_chart_draws_the_pis_readings(
    page: Any, dashboard: Dashboard, devstack: Devstack
) -> None:
    """dev-pi's last 24 hours: the chart draws its readings in the temperature colour."""
    open_device(page, dashboard, "device=dev-pi&range=24h")
    assert int(page.get_attribute("#chart", "data-points")) > 0
    # The Pi has run for seconds of the 24 hours: zoom to its readings, as a drag would.
    page.evaluate(
        """() => { const c = thermostatDashboard.chart;
                   c.plot.setScale("x", {min: c.data.t[0] - 5, max: c.data.last + 5}); }"""
    )
    assert pixels_of(page.locator("#chart canvas").screenshot(), TEMPERATURE) > 50
    assert page.locator('.tile[data-device="dev-pi"]').get_attribute("aria-pressed") == "true"


def test_a_seeded_day_draws_every_reading_with_heating_shaded(
    page: Any, dashboard: Dashboard
) -> None:
    """seed-demo's day: 1440 readings, heating periods shaded, the summary under the chart."""
    day = seeded_day().isoformat()
    page.emulate_media()  # defaults; the zone is the browser's (UTC here)
    open_device(page, dashboard, f"device=living-room&range=day&day={day}")
    assert page.get_attribute("#chart", "data-points") == "1440"
    canvas = page.locator("#chart canvas").screenshot()
    assert pixels_of(canvas, HEATING_SHADE) > 1000
    assert pixels_of(canvas, TEMPERATURE) > 500
    assert page.inner_text("#chart-summary").startswith("1440 readings · ")


def test_hovering_the_chart_shows_the_values_there(page: Any, dashboard: Dashboard) -> None:
    """The mouse over the chart: the legend and the readout give that reading's values."""
    open_device(page, dashboard, f"device=living-room&range=day&day={seeded_day()}")
    box = page.locator("#chart .u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    readout = page.inner_text("#readout")
    assert "°C, setpoint" in readout and "heating o" in readout
    legend = page.locator("#chart .u-legend .u-series").nth(1).inner_text()
    assert "Temperature" in legend and "°C" in legend


def test_rollup_ranges_draw_from_hourly_and_daily_rollups(page: Any, dashboard: Dashboard) -> None:
    """7 days draws 24 hourly rollups of the seeded day; 30 days its daily rollup."""
    open_device(page, dashboard, "device=living-room&range=7d")
    assert int(page.get_attribute("#chart", "data-points")) >= 24
    assert "hours of" in page.inner_text("#chart-summary")
    page.get_by_label("30 days").check()
    page.wait_for_function(
        "() => document.querySelector('#chart-summary').textContent.includes('days of')",
        timeout=WAIT_MS,
    )


def test_the_keyboard_reaches_tiles_ranges_and_chart_values(
    page: Any, dashboard: Dashboard
) -> None:
    """Tab to a tile and press Enter; arrows on the chart read values; + zooms in."""
    page.goto(f"{dashboard.url}#device=dev-pi")
    page.wait_for_selector('.tile[data-device="living-room"]', timeout=WAIT_MS)
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.dataset.device") == "living-room":
            break
    page.keyboard.press("Enter")
    page.get_by_label("Which day").fill(seeded_day().isoformat())
    page.wait_for_function(
        "() => document.querySelector('#chart').dataset.points === '1440'", timeout=WAIT_MS
    )
    page.focus("#chart")
    page.keyboard.press("ArrowLeft")
    assert "°C, setpoint" in page.inner_text("#readout")
    before = page.evaluate(
        "(() => { const x = thermostatDashboard.chart.plot.scales.x; return x.max - x.min; })()"
    )
    page.keyboard.press("+")
    after = page.evaluate(
        "(() => { const x = thermostatDashboard.chart.plot.scales.x; return x.max - x.min; })()"
    )
    assert after == pytest.approx(before / 2, rel=0.01)
    page.keyboard.press("0")
    whole = page.evaluate(
        "(() => { const x = thermostatDashboard.chart.plot.scales.x; return x.max - x.min; })()"
    )
    assert whole == pytest.approx(before, rel=0.01)


def test_every_control_has_a_name(page: Any, dashboard: Dashboard) -> None:
    """Buttons, radios and the date field are labelled; problems are announced (role=alert)."""
    open_device(page, dashboard, "device=dev-pi")
    for name in ("Zoom in", "Zoom out", "Whole range"):
        assert page.get_by_role("button", name=name).count() == 1
    for label in ("Today", "Last 24 h", "7 days", "30 days", "One day:", "Which day"):
        assert page.get_by_label(label, exact=True).count() == 1
    assert page.get_by_role("button", name="dev-pi").count() == 1
    assert page.locator("#problem").get_attribute("role") == "alert"


def test_a_phone_sized_screen_needs_no_sideways_scrolling(
    browser: Any, dashboard: Dashboard
) -> None:
    """At 390 px wide the tiles, chart and legend fit the screen."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        open_device(page, dashboard, "device=dev-pi&range=24h")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
        assert page.locator("#chart canvas").bounding_box()["width"] <= PHONE["width"]
    finally:
        context.close()


def test_an_unknown_device_is_said_on_the_page_and_the_page_recovers(
    page: Any, dashboard: Dashboard
) -> None:
    """#device=kitchen: a clear message naming the known devices; choosing one clears it."""
    page.goto(f"{dashboard.url}#device=kitchen")
    problem = page.locator("#detail-problem")
    problem.wait_for(state="visible", timeout=WAIT_MS)
    assert "Unknown device: unknown device 'kitchen'" in problem.inner_text()
    assert "dev-pi" in problem.inner_text()
    page.locator('.tile[data-device="dev-pi"]').click()
    page.wait_for_selector("#chart[data-state=drawn]", timeout=WAIT_MS)
    assert problem.is_hidden()


def test_without_a_stack_the_page_says_to_start_make_dev(page: Any, tmp_path: Any) -> None:
    """A dashboard started where no make dev runs: the page explains, and keeps trying."""
    with running_dashboard(tmp_path, "--refresh", "1") as lonely:
        page.goto(lonely.url)
        banner = page.locator("#problem")
        banner.wait_for(state="visible", timeout=WAIT_MS)
        text = banner.inner_text()
        assert text.startswith("No table to read: no table given")
        assert "start `make dev`" in text
        assert "Not updated since" in page.inner_text("#updated")
