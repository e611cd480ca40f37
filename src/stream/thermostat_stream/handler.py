"""Lambda entry point of the stream function (DynamoDB Streams, ReportBatchItemFailures)."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from thermostat.logs import get_logger
from thermostat_stream.alerts import AlertBounds
from thermostat_stream.heating import HeatingRules
from thermostat_stream.outbox import AlertOutbox
from thermostat_stream.processor import StreamProcessor
from thermostat_stream.settings import StreamSettings

logger = get_logger("stream")
_processor: StreamProcessor | None = None


def build_processor(environ: dict[str, str] | None = None) -> StreamProcessor:
    settings = StreamSettings.from_env(os.environ if environ is None else environ)
    outbox = AlertOutbox.from_settings(settings, logger)
    bounds = AlertBounds(settings.alert_low_c, settings.alert_high_c, settings.alert_hysteresis_c)
    days = settings.reading_retention_days
    heating = HeatingRules(
        fault_after=timedelta(minutes=settings.heating_fault_after_minutes),
        min_rise_c=settings.heating_fault_min_rise_c,
    )
    return StreamProcessor(
        outbox.table,
        outbox,
        bounds,
        logger,
        heating=heating,
        retention=timedelta(days=days) if days else None,
    )


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _processor
    if _processor is None:
        _processor = build_processor()
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        logger.error(
            "event has no Records list; nothing to do",
            extra={"event_keys": sorted(event) if isinstance(event, dict) else None},
        )
        return {"batchItemFailures": []}
    outcome = _processor.process(records)
    logger.info(
        "batch processed",
        extra={
            "request_id": getattr(context, "aws_request_id", None),
            "records": len(records),
            "failed": len(outcome.failed),
            "hours": len(outcome.hours),
            "days": len(outcome.days),
            "devices": len(outcome.devices),
        },
    )
    return outcome.response()
