"""A real page in Debian's Chromium, served by `thermostat dashboard` from a real `make dev`.

One make dev (with its simulated Pi posting every second, and a seeded day of `living-room`)
and one dashboard serve the whole module; each test gets a fresh browser page.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.support.dashboard_stack import (
    Dashboard,
    Devstack,
    MissingBrowser,
    chromium,
    require_chromium,
    running_dashboard,
    running_devstack,
)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives Debian's Chromium (apt-get install -y chromium)"
    )


def seeded_day() -> date:
    """Yesterday (UTC): a whole simulated day in the past, as seed-demo requires."""
    return datetime.now(UTC).date() - timedelta(days=1)


@pytest.fixture(scope="session")
def devstack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devstack]:
    with running_devstack(tmp_path_factory.mktemp("dashboard-dev"), pi_interval=1.0) as stack:
        # The Pi first: its identity is checked once, before the table gets busy.
        stack.wait_for_reading("dev-pi")
        stack.seed_demo("living-room", seeded_day())
        yield stack


@pytest.fixture(scope="session")
def dashboard(devstack: Devstack) -> Iterator[Dashboard]:
    with running_dashboard(devstack.folder, "--refresh", "1") as served:
        yield served


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        require_chromium()
    except MissingBrowser as err:
        pytest.fail(str(err), pytrace=False)
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A desktop-sized page; JavaScript errors fail the test (an HTTP error status the page
    shows on purpose is logged by Chromium as "Failed to load resource": not counted)."""
    context = browser.new_context(viewport=DESKTOP)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    yield opened
    context.close()
    assert errors == []
