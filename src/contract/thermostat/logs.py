"""Structured JSON logs on stdout, one object per line, as CloudWatch Logs Insights likes them.

A small stdlib formatter instead of Powertools' Logger: it is all we use of it, and it keeps
Powertools' import (and its cold-start cost) out of both images.

The level is the function's ApplicationLogLevel (the template's ``FunctionLogLevel``), which
Lambda hands the runtime as ``AWS_LAMBDA_LOG_LEVEL``: lines below it are never formatted, and
none reach CloudWatch Logs, which bills every GB ingested.
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Mapping
from typing import Any

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# Lambda's application log levels, as Python's logging levels.
LAMBDA_LEVELS = {
    "TRACE": logging.DEBUG,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "ERROR": logging.ERROR,
    "FATAL": logging.CRITICAL,
}


def lambda_log_level(environ: Mapping[str, str] = os.environ) -> int:
    """The logging level ``AWS_LAMBDA_LOG_LEVEL`` names; INFO when it is unset or unknown."""
    return LAMBDA_LEVELS.get(environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper(), logging.INFO)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "service": self.service,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def get_logger(service: str) -> logging.Logger:
    """A logger named ``service`` that writes JSON lines to stdout at the function's log level
    (idempotent)."""
    logger = logging.getLogger(service)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter(service))
        logger.addHandler(handler)
        logger.propagate = False
        logger.setLevel(lambda_log_level())
    return logger
