"""Alerts, exactly once per transition: recorded with the status, then published.

A transition is first written as an :class:`~thermostat.items.AlertItem` and named in the
status item's ``pending_alerts``, in the same run that records the new state; it is
published to SNS only after that. A run claims each pending alert before publishing it (a
conditional update), so replays, retries and concurrent runs publish it at most once; if
publishing fails, the alert stays pending and the next run for the device (a stream batch or
the schedule's check) publishes it. The one window left is a crash between SNS accepting a
message and the alert being marked published: after the claim lapses it is sent again.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from thermostat.aws import dynamodb_client, sns_client
from thermostat.items import AlertItem, StatusItem
from thermostat_stream.publisher import AlertPublisher
from thermostat_stream.settings import AlertingSettings
from thermostat_stream.table import RollupTable, WriteConflict

CLAIM = timedelta(seconds=60)


class AlertOutbox:
    def __init__(
        self,
        table: RollupTable,
        publisher: AlertPublisher,
        logger: logging.Logger,
        *,
        ttl_days: int = 90,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.table, self.publisher, self.logger = table, publisher, logger
        self.ttl_days, self.clock = ttl_days, clock

    @classmethod
    def from_settings(cls, settings: AlertingSettings, logger: logging.Logger) -> AlertOutbox:
        """The outbox of a function of the stream image, on its table (``outbox.table``)."""
        table = RollupTable(
            dynamodb_client(max_attempts=settings.dynamodb_max_attempts), settings.table_name
        )
        topic = settings.alert_topic_arn
        publisher = AlertPublisher(sns_client() if topic else None, topic, logger)
        return cls(table, publisher, logger, ttl_days=settings.alert_retention_days)

    def _expiry(self, at: datetime) -> int | None:
        return int((at + timedelta(days=self.ttl_days)).timestamp()) if self.ttl_days else None

    def record(self, status: StatusItem, alerts: list[AlertItem]) -> StatusItem:
        """Write each alert (with its expiry); return the status naming them as pending."""
        if not alerts:
            return status
        sks = []
        for alert in alerts:
            alert = replace(alert, expires_at=self._expiry(alert.occurred_at))
            self.table.put_alert(alert)
            sks.append(alert.sk)
        pending = (*status.pending_alerts, *(sk for sk in sks if sk not in status.pending_alerts))
        return replace(status, pending_alerts=pending)

    def flush(self, status: StatusItem | None) -> None:
        """Publish what ``status`` (as written) names as pending; then clear it from the status.

        Never raises for a publishing problem: the alerts stay pending for the next run.
        """
        if status is None or not status.pending_alerts:
            return
        done = []
        for sk in status.pending_alerts:
            try:
                if self._publish(status.device_id, sk):
                    done.append(sk)
            except Exception as err:  # noqa: BLE001 - SNS or DynamoDB down: the next run retries
                self.logger.error(
                    "alert not published yet",
                    extra={"device_id": status.device_id, "alert": sk, "error": repr(err)},
                )
        if not done:
            return
        left = tuple(sk for sk in status.pending_alerts if sk not in done)
        cleared = replace(status, pending_alerts=left, version=status.version + 1)
        # Someone wrote the status since: its next flush finds these published and clears them.
        with contextlib.suppress(WriteConflict):
            self.table.put_status(cleared, previous=status)

    def _publish(self, device_id: str, sk: str) -> bool:
        """True when the alert is published (by this run or an earlier one)."""
        alert = self.table.get_alert(device_id, sk)
        if alert is None or alert.published_at is not None:
            return True  # expired, or published before the status could be cleared
        now = self.clock()
        if not self.table.claim_alert(alert, now=now, until=now + CLAIM):
            return False  # another run is publishing it right now
        try:
            self.publisher.publish(alert)
        except BaseException:
            self.table.release_claim(alert)  # the next run may try at once
            raise
        self.table.mark_published(alert, self.clock())
        return True
