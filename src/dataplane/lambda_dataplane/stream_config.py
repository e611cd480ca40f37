"""The settings of a DynamoDB stream event source mapping, read from its template properties."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lambda_dataplane.errors import DataplaneError
from lambda_dataplane.filters import FilterCriteria, FilterError

STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST")


class MappingConfigError(DataplaneError, ValueError):
    """Event source mapping properties that Lambda would reject."""


@dataclass(frozen=True)
class StreamMappingConfig:
    """``AWS::Lambda::EventSourceMapping`` for a DynamoDB stream, with Lambda's defaults."""

    function_arn: str
    stream_arn: str
    batch_size: int = 100
    batching_window_seconds: float = 0.0
    starting_position: str = "TRIM_HORIZON"
    report_batch_item_failures: bool = False
    bisect_on_error: bool = False
    maximum_retry_attempts: int = -1  # -1: retry until the record expires (24 h in AWS)
    maximum_record_age_seconds: int = -1  # -1: no limit
    on_failure_destination: str | None = None  # an SQS queue ARN
    filters: FilterCriteria = field(default_factory=lambda: FilterCriteria([]))
    enabled: bool = True
    # The stack's region: each record's awsRegion, as AWS reports the table's region
    # (None: the stream ARN's; emulators' own values are not it, see stream_events).
    region: str | None = None

    @classmethod
    def from_properties(
        cls,
        props: Mapping[str, Any],
        *,
        function_arn: str,
        stream_arn: str,
        region: str | None = None,
    ) -> StreamMappingConfig:
        """Build from resolved CloudFormation properties (numbers may arrive as strings)."""
        try:
            position = str(props.get("StartingPosition", "TRIM_HORIZON"))
            if position not in STARTING_POSITIONS:
                raise MappingConfigError(f"unsupported StartingPosition {position!r}")
            destination = props.get("DestinationConfig", {}).get("OnFailure", {})
            config = cls(
                function_arn=function_arn,
                stream_arn=stream_arn,
                batch_size=int(props.get("BatchSize", 100)),
                batching_window_seconds=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                starting_position=position,
                report_batch_item_failures="ReportBatchItemFailures"
                in (props.get("FunctionResponseTypes") or []),
                bisect_on_error=_flag(props.get("BisectBatchOnFunctionError", False)),
                maximum_retry_attempts=int(props.get("MaximumRetryAttempts", -1)),
                maximum_record_age_seconds=int(props.get("MaximumRecordAgeInSeconds", -1)),
                on_failure_destination=destination.get("Destination") or None,
                filters=FilterCriteria.from_property(props.get("FilterCriteria")),
                enabled=_flag(props.get("Enabled", True)),
                region=region,
            )
        except (TypeError, ValueError, AttributeError, FilterError) as err:
            if isinstance(err, MappingConfigError):
                raise
            raise MappingConfigError(f"bad event source mapping properties: {err}") from err
        config.validate()
        return config

    def validate(self) -> None:
        """The ranges CreateEventSourceMapping enforces for DynamoDB streams."""
        if not 1 <= self.batch_size <= 10_000:
            raise MappingConfigError(f"BatchSize {self.batch_size} is outside 1..10000")
        if not 0 <= self.batching_window_seconds <= 300:
            raise MappingConfigError("MaximumBatchingWindowInSeconds is outside 0..300")
        if not -1 <= self.maximum_retry_attempts <= 10_000:
            raise MappingConfigError("MaximumRetryAttempts is outside -1..10000")
        age = self.maximum_record_age_seconds
        if age != -1 and not 60 <= age <= 604_800:
            raise MappingConfigError("MaximumRecordAgeInSeconds is -1 or 60..604800")


def _flag(value: Any) -> bool:
    # Ref to a String parameter gives "true"/"false"; a literal gives a YAML boolean.
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)
