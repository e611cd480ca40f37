"""Adjusting a thermostat from the page, in Chromium through `make dev`: the change reaches the
simulated Pi, and the page says so."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PHONE
from tests.browser.test_dashboard_page import WAIT_MS, newest_reading
from tests.support.dashboard_stack import Dashboard, Devstack
from thermostat.items import SettingsItem, from_wire, to_wire

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

RAISE = "Raise the setpoint by 0.5 °C"
# Every state the status line goes through, recorded by the page itself from now on.
RECORD_STATES = """() => {
  const el = document.getElementById("settings-status");
  window.settingsStates = [el.dataset.state];
  new MutationObserver(() => {
    const states = window.settingsStates;
    if (states[states.length - 1] !== el.dataset.state) states.push(el.dataset.state);
  }).observe(el, { attributes: true, attributeFilter: ["data-state"] });
}"""
# "waiting for the device", then "applied" for the version the page wrote.
APPLIED_AFTER_WAITING = """(version) => {
  const states = window.settingsStates, el = document.getElementById("settings-status");
  const waited = states.lastIndexOf("waiting");
  return waited >= 0 && states.indexOf("applied", waited) > waited
    && el.dataset.state === "applied" && el.dataset.version === String(version);
}"""


def desired(devstack: Devstack, device: str) -> SettingsItem | None:
    item = (
        devstack.client()
        .get_item(TableName=devstack.endpoints.table_name, Key=to_wire(SettingsItem.key_of(device)))
        .get("Item")
    )
    return SettingsItem.from_item(from_wire(item)) if item else None


def open_controls(page: Any, dashboard: Dashboard, device: str) -> None:
    page.goto(f"{dashboard.url}#device={device}")
    page.wait_for_selector("#controls:not([hidden])", timeout=WAIT_MS)


def shown_setpoint(page: Any) -> float:
    return float(page.inner_text("#setpoint-value").removesuffix(" °C"))


def test_a_setpoint_raised_on_the_page_reaches_the_simulated_pi(
    page: Any, dashboard: Dashboard, devstack: Devstack
) -> None:
    """+0.5 °C: "waiting for the device", then "applied"; the Pi's readings carry the setpoint."""
    open_controls(page, dashboard, "dev-pi")
    page.evaluate(RECORD_STATES)
    before = shown_setpoint(page)
    version_before = page.get_attribute("#settings-status", "data-version")
    page.get_by_role("button", name=RAISE).click()
    wanted = before + 0.5
    assert page.inner_text("#setpoint-value") == f"{wanted:.1f} °C"
    page.wait_for_function(  # the server has answered the POST
        """(before) => {
             const el = document.getElementById("settings-status");
             return el.dataset.version !== before && el.dataset.state !== "sending";
           }""",
        arg=version_before,
        timeout=WAIT_MS,
    )
    written = desired(devstack, "dev-pi")
    assert written is not None and written.settings.setpoint_c == wanted
    assert written.updated_by == "dashboard"
    version = written.settings.version
    page.wait_for_function(APPLIED_AFTER_WAITING, arg=version, timeout=WAIT_MS)
    status = page.inner_text("#settings-status")
    assert status.startswith(f"Version {version}: heat to {wanted:g} C · applied")
    # The Pi's next readings carry the new setpoint: on its tile, and in the table.
    tile = page.locator('.tile[data-device="dev-pi"] .setpoint')
    page.wait_for_function(
        "(v) => document.querySelector('.tile[data-device=\"dev-pi\"] .setpoint')"
        ".textContent === v",
        arg=f"Setpoint {wanted:.1f} °C",
        timeout=WAIT_MS,
    )
    assert tile.inner_text() == f"Setpoint {wanted:.1f} °C"
    assert newest_reading(devstack, "dev-pi").reading.setpoint_c == wanted


def test_the_mode_changes_with_the_keyboard_and_is_applied(
    page: Any, dashboard: Dashboard, devstack: Devstack
) -> None:
    """Arrow keys in the mode group: away is written, the Pi applies it; then heat again."""
    open_controls(page, dashboard, "dev-pi")
    page.get_by_label("Heat", exact=True).check()  # where this test starts from
    page.wait_for_function(
        "() => document.getElementById('settings-status').dataset.state === 'applied'",
        timeout=WAIT_MS,
    )
    page.evaluate(RECORD_STATES)
    page.get_by_label("Heat", exact=True).focus()
    page.keyboard.press("ArrowDown")  # Off
    page.keyboard.press("ArrowDown")  # Away
    page.wait_for_function(
        "() => (document.getElementById('settings-status').textContent || '').includes('away')",
        timeout=WAIT_MS,
    )
    written = desired(devstack, "dev-pi")
    assert written is not None and written.settings.mode == "away"
    page.wait_for_function(APPLIED_AFTER_WAITING, arg=written.settings.version, timeout=WAIT_MS)
    assert page.get_by_label("Away").is_checked()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # back to heat, for the other tests
    page.wait_for_function(
        "() => (document.getElementById('settings-status').textContent || '')"
        ".includes(': heat to ')",
        timeout=WAIT_MS,
    )


def test_a_bad_schedule_is_refused_with_the_message_thermostat_set_prints(
    page: Any, dashboard: Dashboard, devstack: Devstack
) -> None:
    """The schedule field says what is wrong, as `thermostat set --schedule` does; nothing
    is written."""
    open_controls(page, dashboard, "dev-pi")
    before = desired(devstack, "dev-pi")
    page.get_by_label("Weekly schedule").fill("funday 08:00=20")
    page.get_by_role("button", name="Save schedule").click()
    error = page.locator("#schedule-error")
    error.wait_for(state="visible", timeout=WAIT_MS)
    assert error.inner_text() == "--schedule: 'funday' is not a day or range of days (mon..sun)"
    assert page.get_attribute("#schedule-text", "aria-invalid") == "true"
    assert desired(devstack, "dev-pi") == before
    assert page.input_value("#schedule-text") == "funday 08:00=20"  # kept for fixing


def test_the_adjust_controls_are_labelled_and_announced(page: Any, dashboard: Dashboard) -> None:
    """Setpoint buttons, mode radios and the schedule fields have names; the state is live."""
    open_controls(page, dashboard, "dev-pi")
    for name in (RAISE, "Lower the setpoint by 0.5 °C", "Save schedule", "Clear schedule"):
        assert page.get_by_role("button", name=name).count() == 1
    for label in ("Heat", "Off", "Weekly schedule", "Time zone of the schedule"):
        assert page.get_by_label(label, exact=True).count() == 1
    assert page.get_by_label("Away").count() == 1
    assert page.get_by_role("group", name="Setpoint").count() == 1
    assert page.get_by_role("group", name="Mode").count() == 1
    assert page.get_attribute("#settings-status", "aria-live") == "polite"
    assert "mon-fri 06:30=21" in page.inner_text("#schedule-help")


def test_the_adjust_controls_fit_a_phone(browser: Any, dashboard: Dashboard) -> None:
    """At 390 px wide the Adjust section needs no sideways scrolling; its buttons are large."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        open_controls(page, dashboard, "dev-pi")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        box = page.get_by_role("button", name=RAISE).bounding_box()
        assert box["width"] >= 40 and box["height"] >= 40
        assert page.locator("#schedule-text").bounding_box()["width"] <= PHONE["width"]
    finally:
        context.close()
