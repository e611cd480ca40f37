"""The functions' JSON log lines honour the level Lambda hands them (AWS_LAMBDA_LOG_LEVEL)."""

from __future__ import annotations

import io
import json
import logging
import uuid

import pytest

from thermostat.logs import JsonFormatter, lambda_log_level


@pytest.mark.parametrize(
    ("setting", "level"),
    [
        ({}, logging.INFO),
        ({"AWS_LAMBDA_LOG_LEVEL": "WARN"}, logging.WARNING),
        ({"AWS_LAMBDA_LOG_LEVEL": "debug"}, logging.DEBUG),
        ({"AWS_LAMBDA_LOG_LEVEL": "FATAL"}, logging.CRITICAL),
        ({"AWS_LAMBDA_LOG_LEVEL": "LOUD"}, logging.INFO),
    ],
)
def test_lambda_log_level_names_become_logging_levels(setting: dict[str, str], level: int) -> None:
    """Lambda's ApplicationLogLevel names map to logging's levels; unset or unknown is INFO."""
    assert lambda_log_level(setting) == level


def test_lines_below_the_level_are_not_written() -> None:
    """At WARN a refused request is written, a stored one is not: no bytes to ingest."""
    out = io.StringIO()
    logger = logging.getLogger(f"test-{uuid.uuid4().hex}")
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter("ingest"))
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(lambda_log_level({"AWS_LAMBDA_LOG_LEVEL": "WARN"}))
    logger.info("readings stored", extra={"stored": 2})
    logger.warning("request refused", extra={"error": "invalid_readings"})
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(line["level"], line["message"], line["error"]) for line in lines] == [
        ("WARNING", "request refused", "invalid_readings")
    ]
