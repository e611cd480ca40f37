"""The template's reserved concurrency, enforced by the local stack, and the Pi under it.

The template is deployed to moto with the concurrency parameters; the data plane reads each
function's ReservedConcurrentExecutions back (GetFunction) and its Function URL answers 429
while that many invocations are in flight. The real Pi uploader, signing with a device key
made by ``thermostat device add``'s code, backs off and loses nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devstack.deploy import deploy_stack
from devstack.local_aws import device_identity
from devstack.moto import MotoServer
from lambda_dataplane.app import AwsEndpoint, DataPlane, DataPlaneOptions
from lambda_dataplane.stack import read_stack
from tests.e2e.e2e_support import KEY, SECRET, TEMPLATE
from thermostat.contract import Reading
from thermostat.items import device_pk
from thermostat_pi.spool import Spool
from thermostat_pi.uploader import Uploader, make_auth

pytestmark = pytest.mark.e2e
READINGS = 250  # three batches of the uploader's 100


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server


def deployed(
    moto: MotoServer, parameters: dict[str, str]
) -> tuple[AwsEndpoint, str, dict[str, str]]:
    aws = AwsEndpoint(moto.endpoint_url, "us-east-1", KEY, SECRET)
    name = f"cap-{uuid.uuid4().hex[:8]}"
    outputs = deploy_stack(
        aws.client("cloudformation"), TEMPLATE, stack_name=name, parameters=parameters
    )
    return aws, name, outputs


def test_each_function_gets_its_reserved_concurrency(moto: MotoServer) -> None:
    """A number reserves that many; "" and "0" reserve none (no cap), as the template says."""
    aws, name, _ = deployed(
        moto,
        {
            "IngestReservedConcurrency": "3",
            "StreamReservedConcurrency": "",
            "HealthReservedConcurrency": "0",
        },
    )
    plan = read_stack(TEMPLATE, stack_name=name, client=aws.client)
    reserved = {
        f.name.removeprefix(f"{name}-"): f.reserved_concurrency for f in plan.functions.values()
    }
    assert reserved == {"ingest": 3, "stream": None, "health": None}


def test_template_defaults_cap_every_function(moto: MotoServer) -> None:
    """Deployed with the defaults, every function has a small cap."""
    aws, name, _ = deployed(moto, {})
    plan = read_stack(TEMPLATE, stack_name=name, client=aws.client)
    reserved = {
        f.name.removeprefix(f"{name}-"): f.reserved_concurrency for f in plan.functions.values()
    }
    assert reserved == {"ingest": 5, "stream": 2, "health": 1}


@pytest.fixture
def capped_stack(moto: MotoServer) -> Iterator[tuple[AwsEndpoint, str, dict[str, str], DataPlane]]:
    aws, name, outputs = deployed(moto, {"IngestReservedConcurrency": "1"})
    plane = DataPlane(
        read_stack(TEMPLATE, stack_name=name, client=aws.client), aws, DataPlaneOptions()
    )
    plane.start()
    yield aws, name, outputs, plane
    plane.stop()


def test_pi_backs_off_while_throttled_and_loses_nothing(
    capped_stack: tuple[AwsEndpoint, str, dict[str, str], DataPlane], tmp_path: Path
) -> None:
    """The only slot taken: the Pi gets 429, waits 1, 2, 4 s (full jitter at its ceiling),
    keeps every reading; once the slot is free, all 250 are stored, none dead-lettered."""
    aws, name, outputs, plane = capped_stack
    device = f"pi-{uuid.uuid4().hex[:6]}"
    keys = device_identity(
        aws.client("iam"), stack=name, device_id=device, policy_arn=outputs["PiDevicePolicyArn"]
    )
    spool = Spool(tmp_path / "spool.db")
    start = datetime.now(UTC) - timedelta(hours=1)
    for n in range(READINGS):
        spool.append(
            Reading(
                device_id=device,
                recorded_at=start + timedelta(seconds=10 * n),
                temperature_c=19.5 + n % 10 / 10,
                setpoint_c=20.0,
                heating=n % 2 == 0,
            )
        )
    held = ExitStack()
    # Another invocation in flight: the cap of 1 is reached before the Pi sends anything.
    held.enter_context(plane.runtimes[f"{name}-ingest"].concurrency.slot())
    waits: list[float] = []
    seen: list[tuple[int, str]] = []  # what the Pi's status showed while it waited

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        status = spool.status()
        seen.append((status.depth, (status.last_error or "").split(" (at ")[0]))
        if len(waits) == 3:
            held.close()  # the other invocation ends

    uploader = Uploader(
        spool=spool,
        url=plane.urls["IngestFunctionUrl"],
        auth=make_auth(
            "AWS_IAM",
            region="us-east-1",
            access_key_id=keys.access_key_id,
            secret_access_key=keys.secret_access_key,
        ),
        sleep=sleep,
        jitter=lambda: 1.0,
    )
    try:
        assert uploader.drain(max_failures=10) is True
    finally:
        held.close()
    assert waits == [1.0, 2.0, 4.0]
    assert seen == [(READINGS, "429 Rate Exceeded.")] * 3
    assert spool.peek(1) == [] and spool.dead_letters() == []
    table = aws.client("dynamodb")
    stored = table.query(
        TableName=outputs["TableName"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :r)",
        ExpressionAttributeValues={":pk": {"S": device_pk(device)}, ":r": {"S": "READING#"}},
        Select="COUNT",
    )
    assert stored["Count"] == READINGS
    assert plane.runtimes[f"{name}-ingest"].concurrency.throttles == 3
