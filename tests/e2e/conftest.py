"""One real pipeline per test session: moto_server, the stack, the data plane, awslambdaric."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from devstack.deploy import deploy_stack
from devstack.moto import MotoServer
from lambda_dataplane.app import AwsEndpoint, DataPlane, DataPlaneOptions
from lambda_dataplane.stack import read_stack
from tests.e2e.devstack_process import start_devstack
from tests.e2e.e2e_support import KEY, SECRET, TEMPLATE, Pipeline

__all__ = ["start_devstack"]  # a fixture for the make dev tests


@pytest.fixture(scope="session")
def pipeline() -> Iterator[Pipeline]:
    stack_name = f"e2e-{uuid.uuid4().hex[:8]}"
    with MotoServer() as moto:
        aws = AwsEndpoint(moto.endpoint_url, "us-east-1", KEY, SECRET)
        # Fewer retries than the default 5 keep the poison test short; same template.
        deploy_stack(
            aws.client("cloudformation"),
            TEMPLATE,
            stack_name=stack_name,
            parameters={"StreamMaximumRetryAttempts": "2"},
        )
        plan = read_stack(TEMPLATE, stack_name=stack_name, client=aws.client)
        logs: list[str] = []
        plane = DataPlane(
            plan, aws, DataPlaneOptions(), log_sink=lambda name, line: logs.append(line)
        )
        plane.start()
        try:
            yield Pipeline(aws, plan, plane, stack_name, logs)
        finally:
            plane.stop()
