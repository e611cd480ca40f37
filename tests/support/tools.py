"""Tests that need a tool outside the venv (systemd-analyze, the scanners' venv).

On a developer's machine without the tool such a test is skipped, saying how to get it. CI
sets THERMOSTAT_REQUIRE_TOOLS=1 (.ci/run installs every tool), and there a missing tool fails
the test instead: a check CI promises cannot pass by being skipped.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

F = TypeVar("F", bound=Callable[..., Any])


def require(available: bool, missing: str) -> Callable[[F], F]:
    """Skip (under THERMOSTAT_REQUIRE_TOOLS=1: fail) the test when ``available`` is false."""
    if available:
        return lambda test: test
    if os.environ.get("THERMOSTAT_REQUIRE_TOOLS") != "1":
        return pytest.mark.skip(reason=missing)

    def failing(test: F) -> F:
        @functools.wraps(test)
        def fail(*args: Any, **kwargs: Any) -> None:
            pytest.fail(f"{missing} (CI sets THERMOSTAT_REQUIRE_TOOLS=1: it needs the tool)")

        return fail  # type: ignore[return-value]

    return failing
