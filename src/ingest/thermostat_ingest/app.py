"""The ingest logic, independent of how Lambda calls it: event in, HTTP response out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from thermostat.contract import format_timestamp
from thermostat.items import ReadingItem
from thermostat_ingest import responses
from thermostat_ingest.errors import RequestError, StoreUnavailable
from thermostat_ingest.request import parse_request
from thermostat_ingest.settings import IngestSettings
from thermostat_ingest.store import ReadingStore


class IngestApp:
    def __init__(
        self,
        settings: IngestSettings,
        store: ReadingStore,
        logger: logging.Logger,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.store = store
        self.logger = logger
        self.clock = clock

    def handle(self, event: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
        log = {"request_id": request_id}
        try:
            request = parse_request(
                event,
                defaults=self.settings.legacy_defaults,
                max_readings=self.settings.max_readings_per_request,
                max_body_bytes=self.settings.max_body_bytes,
            )
        except RequestError as err:
            self.logger.info(
                "request refused", extra={**log, "error": err.code, "detail": err.message}
            )
            return responses.request_error(err)

        received_at = self.clock()
        items = [
            ReadingItem.new(
                reading,
                received_at=received_at,
                retention_days=self.settings.reading_retention_days,
                caller=request.caller,
            ).to_item()
            for reading in request.readings
        ]
        try:
            self.store.put_all(items)
        except StoreUnavailable as err:
            self.logger.error(
                "store failed", extra={**log, "error": str(err), "stored": len(err.stored)}
            )
            return responses.unavailable(err, request.indices)
        for reading in request.readings:
            self.logger.info(
                "reading stored",
                extra={
                    **log,
                    "device_id": reading.device_id,
                    "recorded_at": reading.timestamp,
                    "temperature_c": reading.temperature_c,
                    "heating": reading.heating,
                    "caller": request.caller,
                    "received_at": format_timestamp(received_at),
                },
            )
        return responses.stored(len(items))
