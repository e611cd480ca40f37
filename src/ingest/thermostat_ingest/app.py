"""The ingest logic, independent of how Lambda calls it: event in, HTTP response out."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from thermostat.contract import format_timestamp
from thermostat.device_settings import DeviceSettings
from thermostat.items import ReadingItem
from thermostat_ingest import responses
from thermostat_ingest.errors import RateLimited, RequestError, StoreUnavailable
from thermostat_ingest.ratelimit import DeviceRateLimit
from thermostat_ingest.request import IngestRequest, parse_request
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
        rate_limit: DeviceRateLimit | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.logger = logger
        self.clock = clock
        self.rate_limit = rate_limit or settings.rate_limit()

    def handle(self, event: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
        log = {"request_id": request_id}
        received_at = self.clock()
        try:
            request = parse_request(
                event,
                defaults=self.settings.legacy_defaults,
                max_readings=self.settings.max_readings_per_request,
                max_body_bytes=self.settings.max_body_bytes,
                oldest=self._oldest(received_at),
                stack=self.settings.stack_name,
            )
            self._check_rate(request)
        except RequestError as err:
            # WARNING: readings were not stored; seen at the default FunctionLogLevel (WARN).
            self.logger.warning(
                "request refused", extra={**log, "error": err.code, "detail": err.message}
            )
            return responses.request_error(err)

        items = [
            ReadingItem.new(
                reading,
                received_at=received_at,
                retention_days=self.settings.reading_retention_days,
                caller=request.caller,
                report=request.report,
                caller_key=request.caller_key,
            )
            for reading in request.readings
        ]
        try:
            outcome = self.store.put_new(items)
        except StoreUnavailable as err:
            self.logger.error(
                "store failed", extra={**log, "error": str(err), "stored": len(err.stored)}
            )
            return responses.unavailable(err.stored, request.indices)
        # One line per request, not per reading: log bytes are billed (CloudWatch Logs).
        self.logger.info(
            "readings stored",
            extra={
                **log,
                "stored": len(outcome.stored),
                "conflicts": len(outcome.conflicts),
                "devices": sorted({r.device_id for r in request.readings}),
                "first": request.readings[0].timestamp,
                "last": request.readings[-1].timestamp,
                "caller": request.caller,
                "received_at": format_timestamp(received_at),
            },
        )
        if outcome.conflicts:
            return responses.conflict(outcome, request.indices)
        return responses.stored(len(items), self._newer_settings(request))

    def _newer_settings(self, request: IngestRequest) -> DeviceSettings | None:
        """The device's desired settings, if newer than what it said it runs (one read)."""
        devices = {reading.device_id for reading in request.readings}
        if len(devices) != 1:
            return None  # an import of several devices: no device to tell anything
        running = (request.report.settings_version if request.report else None) or 0
        try:
            desired = self.store.desired_settings(devices.pop())
        except StoreUnavailable as err:  # the readings are stored: say so, settings next time
            self.logger.warning("settings not read", extra={"error": str(err)})
            return None
        if desired is None or desired.settings.version <= running:
            return None
        return desired.settings

    def _oldest(self, now: datetime) -> datetime | None:
        days = self.settings.reading_retention_days
        return now - timedelta(days=days) if days > 0 else None

    def _check_rate(self, request: IngestRequest) -> None:
        if self.rate_limit is None:
            return
        counts = Counter(reading.device_id for reading in request.readings)
        wait = self.rate_limit.take_all(counts)
        if wait is not None:
            limit = self.settings.device_readings_per_minute
            raise RateLimited(
                f"more than {limit:g} readings a minute for one device; nothing was stored:"
                f" send them again in {wait} s",
                retry_after_s=wait,
            )
