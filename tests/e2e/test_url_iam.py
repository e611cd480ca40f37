"""The local Function URL says no where AWS says no: the template's policies, evaluated.

Each test deploys the real template (or a variant of it) to moto, signs as an IAM user of the
emulator with the stack's PiDevicePolicy attached, and posts through the real data plane.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from requests_aws4auth import AWS4Auth

from devstack.deploy import deploy_stack
from devstack.local_aws import device_identity
from devstack.moto import MotoServer
from lambda_dataplane.app import AwsEndpoint, DataPlane, DataPlaneOptions
from lambda_dataplane.stack import read_stack
from lambda_dataplane.url_guard import UrlEvent
from tests.e2e.e2e_support import KEY, SECRET, TEMPLATE
from thermostat.contract import format_timestamp
from thermostat.identities import device_user_name

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server


def reading(device: str) -> dict[str, Any]:
    return {
        "device_id": device,
        "recorded_at": format_timestamp(datetime.now(UTC)),
        "temperature_c": 20.5,
        "setpoint_c": 21.0,
        "heating": True,
    }


def variant(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """infra/template.yaml with one edit, written beside the test."""
    body = yaml.safe_load(TEMPLATE.read_text())
    change(body)
    path = tmp_path / f"template-{uuid.uuid4().hex[:6]}.yaml"
    path.write_text(yaml.safe_dump(body))
    return path


def without_device_invoke(body: dict[str, Any]) -> None:
    statements = body["Resources"]["PiDevicePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    statements[:] = [s for s in statements if s["Action"] != "lambda:InvokeFunction"]


def without_public_invoke(body: dict[str, Any]) -> None:
    del body["Resources"]["IngestFunctionUrlPublicInvokePermission"]


class Served:
    """A stack deployed from a template, its data plane, and what the URL reported."""

    def __init__(self, moto: MotoServer, template: Path, auth: str) -> None:
        self.aws = AwsEndpoint(moto.endpoint_url, "us-east-1", KEY, SECRET)
        self.events: list[UrlEvent] = []
        name = f"iam-{uuid.uuid4().hex[:8]}"
        self.stack_name = name
        self.outputs = deploy_stack(
            self.aws.client("cloudformation"),
            template,
            stack_name=name,
            parameters={"FunctionUrlAuthType": auth},
        )
        plan = read_stack(template, stack_name=name, client=self.aws.client)
        self.plane = DataPlane(plan, self.aws, DataPlaneOptions(url_observer=self.events.append))
        self.plane.start()
        self.url = self.plane.urls["IngestFunctionUrl"]

    def device_auth(self, device: str) -> AWS4Auth:
        keys = device_identity(
            self.aws.client("iam"),
            stack=self.stack_name,
            device_id=device,
            policy_arn=self.outputs["PiDevicePolicyArn"],
        )
        return AWS4Auth(keys.access_key_id, keys.secret_access_key, "us-east-1", "lambda")


@pytest.fixture
def serve(moto: MotoServer) -> Iterator[Callable[[Path, str], Served]]:
    started: list[Served] = []

    def start(template: Path, auth: str = "AWS_IAM") -> Served:
        started.append(Served(moto, template, auth))
        return started[-1]

    yield start
    for served in started:
        served.plane.stop()


def test_device_policy_without_invoke_function_gets_403(
    serve: Callable[[Path, str], Served], tmp_path: Path
) -> None:
    """A device policy granting only lambda:InvokeFunctionUrl is refused, as on AWS."""
    served = serve(variant(tmp_path, without_device_invoke), "AWS_IAM")
    device = f"d-{uuid.uuid4().hex[:6]}"
    answer = requests.post(
        served.url, json=reading(device), auth=served.device_auth(device), timeout=10
    )
    assert (answer.status_code, answer.json()) == (403, {"Message": "Forbidden"})
    assert "lambda:InvokeFunction on" in served.events[-1].message


def test_device_policy_of_the_template_gets_200(serve: Callable[[Path, str], Served]) -> None:
    """The fixed template's device policy lets the device's signed POST through."""
    served = serve(TEMPLATE, "AWS_IAM")
    device = f"d-{uuid.uuid4().hex[:6]}"
    answer = requests.post(
        served.url, json=reading(device), auth=served.device_auth(device), timeout=10
    )
    assert (answer.status_code, answer.json()) == (200, {"stored": 1})


def test_unknown_key_gets_403_and_is_explained(serve: Callable[[Path, str], Served]) -> None:
    """A key no IAM user holds: AWS's bare 403, and the feed names the key."""
    served = serve(TEMPLATE, "AWS_IAM")
    auth = AWS4Auth("AKIAUNKNOWN000000000", "nope", "us-east-1", "lambda")
    answer = requests.post(served.url, json=reading("x"), auth=auth, timeout=10)
    assert answer.status_code == 403
    assert "unknown access key 'AKIAUNKNOWN000000000'" in served.events[-1].message


def test_deleted_key_is_refused(serve: Callable[[Path, str], Served]) -> None:
    """Once its access key is deleted, the device is refused (after IAM's short cache)."""
    served = serve(TEMPLATE, "AWS_IAM")
    device = f"d-{uuid.uuid4().hex[:6]}"
    auth = served.device_auth(device)
    iam = served.aws.client("iam")
    user = device_user_name(served.stack_name, device)
    iam.delete_access_key(UserName=user, AccessKeyId=auth.access_id)
    answer = requests.post(served.url, json=reading(device), auth=auth, timeout=10)
    assert answer.status_code == 403


def test_none_auth_without_public_invoke_permission_gets_403(
    serve: Callable[[Path, str], Served], tmp_path: Path
) -> None:
    """NONE auth whose resource policy lacks lambda:InvokeFunction refuses everyone."""
    served = serve(variant(tmp_path, without_public_invoke), "NONE")
    answer = requests.post(served.url, json=reading("anon"), timeout=10)
    assert (answer.status_code, answer.json()) == (403, {"Message": "Forbidden"})
    assert "an anonymous caller" in served.events[-1].message


def test_none_auth_with_the_template_permissions_gets_200(
    serve: Callable[[Path, str], Served],
) -> None:
    """NONE auth with the template's two public permissions accepts an unsigned POST."""
    served = serve(TEMPLATE, "NONE")
    answer = requests.post(served.url, json=reading(f"a-{uuid.uuid4().hex[:6]}"), timeout=10)
    assert (answer.status_code, answer.json()) == (200, {"stored": 1})
