"""Event source mapping settings from template properties, and shard lineage."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_dataplane.stream_config import MappingConfigError, StreamMappingConfig
from lambda_dataplane.stream_mapping import plan_shards, queue_url_from_arn

ARNS = {"function_arn": "arn:fn", "stream_arn": "arn:stream"}


def test_properties_from_parameters_become_typed_settings() -> None:
    """Ref'd parameters arrive as strings; the config holds numbers and flags."""
    config = StreamMappingConfig.from_properties(
        {
            "BatchSize": "7",
            "MaximumBatchingWindowInSeconds": "2",
            "StartingPosition": "LATEST",
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "BisectBatchOnFunctionError": "true",
            "MaximumRetryAttempts": "3",
            "MaximumRecordAgeInSeconds": "60",
            "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:r:1:q"}},
        },
        **ARNS,
    )
    assert (config.batch_size, config.batching_window_seconds) == (7, 2.0)
    assert config.starting_position == "LATEST"
    assert config.report_batch_item_failures and config.bisect_on_error
    assert (config.maximum_retry_attempts, config.maximum_record_age_seconds) == (3, 60)
    assert config.on_failure_destination == "arn:aws:sqs:r:1:q"


def test_defaults_are_lambdas() -> None:
    """Unset properties take Lambda's stream defaults: 100, no window, infinite retries."""
    config = StreamMappingConfig.from_properties({}, **ARNS)
    assert config.batch_size == 100 and config.batching_window_seconds == 0
    assert config.maximum_retry_attempts == -1 and config.maximum_record_age_seconds == -1
    assert not config.report_batch_item_failures and not config.bisect_on_error


@pytest.mark.parametrize(
    "props",
    [
        {"BatchSize": "0"},
        {"BatchSize": "ten"},
        {"MaximumBatchingWindowInSeconds": "301"},
        {"MaximumRetryAttempts": "-2"},
        {"MaximumRecordAgeInSeconds": "59"},
        {"StartingPosition": "AT_TIMESTAMP"},
        {"FilterCriteria": {"Filters": [{"Pattern": "{"}]}},
    ],
    ids=["batch-0", "batch-text", "window", "retries", "record-age", "position", "filter"],
)
def test_values_lambda_rejects_raise(props: dict[str, Any]) -> None:
    """Out-of-range or malformed settings fail when the data plane reads the template."""
    with pytest.raises(MappingConfigError):
        StreamMappingConfig.from_properties(props, **ARNS)


def shard(shard_id: str, parent: str | None = None, closed: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"ShardId": shard_id, "SequenceNumberRange": {}}
    if parent:
        body["ParentShardId"] = parent
    if closed:
        body["SequenceNumberRange"]["EndingSequenceNumber"] = "9"
    return body


def test_child_shard_waits_for_its_parent() -> None:
    """A child starts only after its parent is finished, then from TRIM_HORIZON."""
    shards = [shard("p", closed=True), shard("c", parent="p")]
    first = plan_shards(
        shards, known=set(), finished=set(), starting_position="TRIM_HORIZON", initial=True
    )
    assert first == [("p", "TRIM_HORIZON")]
    later = plan_shards(
        shards, known={"p"}, finished={"p"}, starting_position="LATEST", initial=False
    )
    assert later == [("c", "TRIM_HORIZON")]


def test_child_of_an_expired_parent_starts_at_once() -> None:
    """A parent no longer listed (trimmed after 24 h) does not hold its child back."""
    plan = plan_shards(
        [shard("c", parent="gone")],
        known=set(),
        finished=set(),
        starting_position="TRIM_HORIZON",
        initial=True,
    )
    assert plan == [("c", "TRIM_HORIZON")]


def test_latest_skips_closed_shards_at_start() -> None:
    """With LATEST, closed shards have nothing new: they are marked finished, not read."""
    plan = plan_shards(
        [shard("p", closed=True), shard("c", parent="p")],
        known=set(),
        finished=set(),
        starting_position="LATEST",
        initial=True,
    )
    assert plan == [("p", None), ("c", "LATEST")]


def test_queue_arn_must_name_an_sqs_queue() -> None:
    """OnFailure destinations other than SQS are refused."""
    with pytest.raises(ValueError, match="not an SQS queue ARN"):
        queue_url_from_arn(None, "arn:aws:sns:us-east-1:123456789012:topic")
