"""Reading what to run from a stack deployed on moto_server with the real template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from devstack.deploy import deploy_stack
from devstack.errors import DeployError
from lambda_dataplane.stack import StackError, StackPlan, read_stack
from tests.support.moto import MotoServer

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"


def client(service: str) -> Any:
    return boto3.client(service)  # type: ignore[call-overload]


def deployed(name: str, **parameters: str) -> tuple[dict[str, str], StackPlan]:
    outputs = deploy_stack(
        client("cloudformation"), TEMPLATE, stack_name=name, parameters=parameters
    )
    return outputs, read_stack(TEMPLATE, stack_name=name, client=client)


def test_functions_come_from_the_lambda_api_with_the_template_command(aws: MotoServer) -> None:
    """Image, environment and limits from GetFunction; the command from the template,
    because moto's CloudFormation drops ImageConfig."""
    outputs, plan = deployed("s1")
    ingest = plan.functions[outputs["IngestFunctionName"]]
    assert ingest.command == ("thermostat_ingest.handler.handler",)
    assert ingest.image_uri == "thermostat-ingest:dev"
    assert ingest.environment["TABLE_NAME"] == outputs["TableName"]
    assert ingest.environment["READING_RETENTION_DAYS"] == "365"  # a string, as Lambda's
    assert (ingest.timeout_seconds, ingest.memory_mb) == (10, 256)
    stream = plan.functions[outputs["StreamFunctionName"]]
    assert stream.command == ("thermostat_stream.handler.handler",)
    assert stream.environment["ALERT_TOPIC_ARN"] == outputs["AlertTopicArn"]


def test_skipped_function_url_is_served_with_its_template_auth_type(aws: MotoServer) -> None:
    """IngestFunctionUrl was not created (LocalDataPlane=true) but is read from the template."""
    outputs, plan = deployed("s2")
    (url,) = plan.urls
    assert url.logical_id == "IngestFunctionUrl" and url.auth_type == "AWS_IAM"
    assert url.function.name == outputs["IngestFunctionName"]


def test_stream_mapping_settings_are_the_templates(aws: MotoServer) -> None:
    """Every ReadingsStreamMapping property resolves against the stack's resources."""
    outputs, plan = deployed("s3")
    (mapping,) = plan.mappings
    config = mapping.config
    assert mapping.function.name == outputs["StreamFunctionName"]
    assert config.stream_arn == outputs["TableStreamArn"]
    assert config.function_arn == mapping.function.arn
    assert config.region == plan.region  # each record's awsRegion
    assert config.on_failure_destination == outputs["FailureQueueArn"]
    assert (config.batch_size, config.batching_window_seconds) == (10000, 0)  # window: make dev's 0
    assert config.starting_position == "TRIM_HORIZON"
    assert config.report_batch_item_failures and config.bisect_on_error
    assert (config.maximum_retry_attempts, config.maximum_record_age_seconds) == (5, 21600)
    reading = {"dynamodb": {"Keys": {"sk": {"S": "READING#2026-11-21T20:00:00.000Z"}}}}
    rollup = {"dynamodb": {"Keys": {"sk": {"S": "HOUR#2026-11-21T20"}}}}
    assert config.filters.matches(reading) and not config.filters.matches(rollup)


def test_stack_parameters_change_what_is_served(aws: MotoServer) -> None:
    """FunctionUrlAuthType and the Stream* parameters reach the URL and the mapping."""
    _, plan = deployed(
        "s4",
        FunctionUrlAuthType="NONE",
        StreamBatchSize="7",
        StreamStartingPosition="LATEST",
        StreamMaximumRetryAttempts="0",
    )
    assert plan.urls[0].auth_type == "NONE"
    config = plan.mappings[0].config
    assert (config.batch_size, config.starting_position) == (7, "LATEST")
    assert config.maximum_retry_attempts == 0


def test_missing_stack_is_a_stack_error(aws: MotoServer) -> None:
    """Reading a stack that was never deployed fails with StackError, not a boto error."""
    with pytest.raises(StackError, match="nope"):
        read_stack(TEMPLATE, stack_name="nope", client=client)


def test_deploy_of_a_broken_template_is_a_deploy_error(aws: MotoServer, tmp_path: Path) -> None:
    """A template the emulator refuses surfaces as DeployError."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources: {Q: {Type: AWS::SQS::Queue, Properties: {Bad: {Ref: Nope}}}}")
    with pytest.raises(DeployError):
        deploy_stack(client("cloudformation"), broken, stack_name="broken", parameters={})


def test_skipped_schedule_is_run_with_its_template_rate(aws: MotoServer) -> None:
    """HealthSchedule was not created (LocalDataPlane=true) but is read: rate and target."""
    outputs, plan = deployed("s9", HealthCheckMinutes="1")
    (schedule,) = plan.schedules
    assert schedule.logical_id == "HealthSchedule"
    assert schedule.interval_s == 60  # rate(1 minute): the template's singular form
    assert schedule.function.name == outputs["HealthFunctionName"]
    assert schedule.function.command == ("thermostat_stream.health.handler",)
    _, default = deployed("s10")
    assert default.schedules[0].interval_s == 900  # HealthCheckMinutes' default, 15
