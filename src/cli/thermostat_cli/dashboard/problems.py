"""The one place where errors become HTTP answers: a status code and a message for the page.

The page shows ``message`` as it is, so each one says what is wrong and what to do.
"""

from __future__ import annotations

from typing import Any

from thermostat_cli.errors import (
    BadArguments,
    BadItem,
    CliError,
    ConfigProblem,
    TableUnavailable,
    UnknownDevice,
)
from thermostat_cli.queries import SettingsConflict


class NotOurTable(CliError, ValueError):
    """The table exists but is not laid out like a thermostat table (keys, status index)."""


class TooLarge(BadArguments):
    """A request body far larger than any settings change."""


# (status, kind, title): kind lets the page and the tests tell problems apart.
_ANSWERS: list[tuple[type[CliError], int, str, str]] = [
    (TooLarge, 413, "too-large", "Too large"),
    (BadArguments, 400, "bad-request", "Bad request"),
    (SettingsConflict, 409, "conflict", "Changed meanwhile"),
    (UnknownDevice, 404, "unknown-device", "Unknown device"),
    (ConfigProblem, 503, "no-table", "No table to read"),
    (NotOurTable, 503, "not-our-table", "Not a thermostat table"),
    (TableUnavailable, 503, "unavailable", "Cannot read the table"),
    (BadItem, 502, "bad-item", "An item breaks the data contract"),
]


def answer(error: Exception) -> tuple[int, dict[str, Any]]:
    """The HTTP status and JSON body for ``error``."""
    for kind_of, status, kind, title in _ANSWERS:
        if isinstance(error, kind_of):
            return status, {"error": {"kind": kind, "title": title, "message": str(error)}}
    return 500, {
        "error": {
            "kind": "internal",
            "title": "Internal error",
            "message": f"{type(error).__name__}: {error} (the terminal running"
            " `thermostat dashboard` has the details)",
        }
    }
