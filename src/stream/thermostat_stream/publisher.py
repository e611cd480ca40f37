"""Alerts to SNS (or only to the log when no topic is configured).

Each message has a subject and body for people (email subscribers read them) and the same
facts as JSON in the ``facts`` message attribute for machines (an SQS or Lambda subscriber
with raw delivery receives the attributes). https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from thermostat.items import AlertItem

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

SUBJECT_LIMIT = 100  # SNS: "must be less than 100 characters" (ASCII, no line breaks)


class AlertPublisher:
    def __init__(
        self, client: SNSClient | None, topic_arn: str | None, logger: logging.Logger
    ) -> None:
        self._client = client
        self._topic_arn = topic_arn
        self._logger = logger
        self.published = 0

    def publish(self, alert: AlertItem) -> None:
        facts = json.dumps(dict(alert.facts), sort_keys=True)
        self._logger.warning(
            "alert " + alert.subject, extra={"alert": dict(alert.facts), "kind": alert.kind}
        )
        if self._client is None or not self._topic_arn:
            return
        self._client.publish(
            TopicArn=self._topic_arn,
            Subject=alert.subject.encode("ascii", "replace").decode()[: SUBJECT_LIMIT - 1],
            Message=alert.message,
            MessageAttributes={
                "device_id": {"DataType": "String", "StringValue": alert.device_id},
                "kind": {"DataType": "String", "StringValue": alert.kind},
                "facts": {"DataType": "String", "StringValue": facts},
            },
        )
        self.published += 1
