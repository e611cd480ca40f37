"""Lambda entry point of the ingest function (Function URL, payload format 2.0)."""

from __future__ import annotations

import os
from typing import Any

from thermostat.aws import dynamodb_client
from thermostat.logs import get_logger
from thermostat_ingest import responses
from thermostat_ingest.app import IngestApp
from thermostat_ingest.settings import IngestSettings
from thermostat_ingest.store import ReadingStore

logger = get_logger("ingest")
_app: IngestApp | None = None


def build_app(environ: dict[str, str] | None = None) -> IngestApp:
    """Settings from the environment, a DynamoDB client, the store: done once per environment."""
    settings = IngestSettings.from_env(os.environ if environ is None else environ)
    client = dynamodb_client(max_attempts=settings.dynamodb_max_attempts)
    store = ReadingStore(client, settings.table_name, write_rounds=settings.write_rounds)
    return IngestApp(settings, store, logger)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _app
    if _app is None:
        _app = build_app()
    request_id = getattr(context, "aws_request_id", None)
    try:
        return _app.handle(event, request_id)
    except Exception:
        logger.exception("unexpected error", extra={"request_id": request_id})
        return responses.internal_error()
