"""What ``make dev`` adds to moto so it answers like AWS: identities, TTL, one endpoint.

Started by :class:`devstack.runner.DevStack` through these functions, so the runner only
calls them in order: :func:`prepare_ttl` before the data plane (its streams client marks TTL
deletions), :func:`start_local_aws` once the data plane runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.front import AwsFront
from devstack.ttl import ServiceDeletions, TtlAttributingStreams, TtlSweeper, apply_template_ttl
from lambda_dataplane.app import AwsEndpoint, DataPlane
from lambda_dataplane.lambda_api import LambdaApi
from lambda_dataplane.url_guard import UrlEvent
from thermostat_cli.devices import DeviceKeys, Devices

DEFAULT_TTL_INTERVAL = 2.0  # seconds between sweeps: an expired item is gone within ~2 s


@dataclass
class TtlSetup:
    tables: dict[str, str]  # table -> TTL attribute
    deletions: ServiceDeletions

    def wrap_streams(self, client: Any) -> Any:
        return TtlAttributingStreams(client, self.deletions)


def prepare_ttl(aws: AwsEndpoint, template: Path, *, stack_name: str) -> TtlSetup:
    """Apply the template's TTL settings, which moto's CloudFormation ignored."""
    tables = apply_template_ttl(template, stack_name=stack_name, client=aws.client)
    return TtlSetup(tables, ServiceDeletions())


@dataclass
class LocalAws:
    front: AwsFront
    sweeper: TtlSweeper
    device: DeviceKeys

    def stop(self) -> None:
        self.front.stop()
        self.sweeper.stop()


def start_local_aws(
    aws: AwsEndpoint,
    plane: DataPlane,
    ttl: TtlSetup,
    *,
    host: str,
    port: int,
    device_id: str,
    ttl_interval: float = DEFAULT_TTL_INTERVAL,
) -> LocalAws:
    """The device's IAM user, the AWS endpoint on host:port and the TTL sweeper, running.

    The simulated Pi's identity is made exactly as ``thermostat device add`` makes one.
    """
    device = device_identity(
        aws.client("iam"),
        stack=plane.plan.stack_name,
        device_id=device_id,
        policy_arn=plane.plan.outputs["PiDevicePolicyArn"],
    )
    front = AwsFront(LambdaApi(plane), emulator_url=aws.endpoint_url, host=host, port=port)
    sweeper = TtlSweeper(
        aws.client("dynamodb"), ttl.tables, deletions=ttl.deletions, interval=ttl_interval
    )
    front.start()
    sweeper.start()
    return LocalAws(front, sweeper, device)


def device_identity(iam: Any, *, stack: str, device_id: str, policy_arn: str) -> DeviceKeys:
    """``thermostat device add``'s user and keys for ``device_id`` (a fresh key if it exists)."""
    from thermostat_cli.devices import DeviceExists

    devices = Devices(iam, stack, policy_arn=policy_arn)
    try:
        return devices.add(device_id)
    except DeviceExists:
        return devices.new_key(device_id)


def feed_lines(write: Callable[[str], None]) -> Callable[[UrlEvent], None]:
    """A Function URL observer that prints refusals and 4xx replies in the live feed."""

    def observe(event: UrlEvent) -> None:
        stamp = time.strftime("%H:%M:%S")
        label = "refused " if event.status == 403 else "rejected"
        write(f"{stamp}  {label} {event.status} {event.message}")
        for line in (event.detail or "").splitlines():
            write(f"          | {line}")

    return observe
