"""Without Chromium the browser tests fail with a message saying how to install it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.dashboard_stack import MissingBrowser, require_chromium


def test_a_missing_chromium_is_an_error_that_says_what_to_install(tmp_path: Path) -> None:
    """No silent skip: the error names the path and the apt package."""
    with pytest.raises(MissingBrowser) as raised:
        require_chromium(tmp_path / "chromium")
    assert str(raised.value) == (
        f"the dashboard's browser tests need Debian's Chromium at {tmp_path / 'chromium'}:"
        " apt-get install -y chromium (.ci/run installs it); THERMOSTAT_CHROMIUM points"
        " elsewhere"
    )
