"""Alerts to SNS (or only to the log when no topic is configured)."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from thermostat_stream.alerts import AlertTransition

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient


class AlertPublisher:
    def __init__(
        self, client: SNSClient | None, topic_arn: str | None, logger: logging.Logger
    ) -> None:
        self._client = client
        self._topic_arn = topic_arn
        self._logger = logger
        self.published = 0

    def publish(self, transition: AlertTransition) -> None:
        reading = transition.reading
        message = {
            "device_id": transition.device_id,
            "alert": transition.current,
            "previous": transition.previous,
            "temperature_c": reading.temperature_c,
            "setpoint_c": reading.setpoint_c,
            "heating": reading.heating,
            "recorded_at": reading.timestamp,
        }
        self._logger.warning("alert " + transition.subject, extra={"alert": message})
        if self._client is None or not self._topic_arn:
            return
        self._client.publish(
            TopicArn=self._topic_arn,
            Subject=transition.subject[:100],  # SNS limit
            Message=json.dumps(message),
            MessageAttributes={
                "device_id": {"DataType": "String", "StringValue": transition.device_id},
                "alert": {"DataType": "String", "StringValue": transition.current},
            },
        )
        self.published += 1
