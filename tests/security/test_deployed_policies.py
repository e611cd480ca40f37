"""The policies the least-privilege tests evaluate are the ones the local stack deploys.

The template goes to moto through CloudFormation; a device is added with `thermostat device
add`'s code and read back through the data plane's own IAM directory (what the Function URL
guard evaluates for a signer); the roles' policies are read from IAM. Once the stand-in
names of the offline reading are replaced by the deployed ARNs, each document is the same.
"""

from __future__ import annotations

import ast
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.deploy import deploy_stack
from devstack.local_aws import device_identity
from devstack.moto import MotoServer
from lambda_dataplane.app import AwsEndpoint
from lambda_dataplane.iam import NamedPolicy
from lambda_dataplane.iam_principals import EmulatorIam, moto_secrets
from lambda_dataplane.template_policies import STREAM_LABEL, read_template_policies
from tests.e2e.e2e_support import KEY, SECRET
from tests.security.stack_policies import TEMPLATE

pytestmark = pytest.mark.e2e


class Deployed:
    def __init__(self, moto: MotoServer) -> None:
        self.aws = AwsEndpoint(moto.endpoint_url, "us-east-1", KEY, SECRET)
        self.name = f"perm-{uuid.uuid4().hex[:8]}"
        self.outputs = deploy_stack(
            self.aws.client("cloudformation"), TEMPLATE, stack_name=self.name
        )
        entries = self.aws.client("cloudformation").describe_stack_resources(StackName=self.name)[
            "StackResources"
        ]
        self.physical = {
            e["LogicalResourceId"]: e["PhysicalResourceId"]
            for e in entries
            if e.get("LogicalResourceId") and e.get("PhysicalResourceId")
        }

    def arns(self) -> dict[str, str]:
        """Deployed ARN of each resource a policy names, by logical id."""
        client = self.aws.client
        table = client("dynamodb").describe_table(TableName=self.outputs["TableName"])["Table"]
        queue = client("sqs").get_queue_attributes(
            QueueUrl=self.outputs["FailureQueueUrl"], AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        found = {
            "ReadingsTable/stream": table["LatestStreamArn"],
            "ReadingsTable": table["TableArn"],
            "AlertTopic": self.outputs["AlertTopicArn"],
            "FailureQueue": queue,
            "PiDevicePolicy": self.outputs["PiDevicePolicyArn"],
        }
        for function in ("IngestFunction", "StreamFunction", "HealthFunction"):
            found[function] = client("lambda").get_function(FunctionName=self.physical[function])[
                "Configuration"
            ]["FunctionArn"]
        return found


@pytest.fixture(scope="module")
def deployed() -> Iterator[Deployed]:
    with MotoServer() as moto:
        yield Deployed(moto)


def translated(document: Any, offline: dict[str, str], deployed: dict[str, str]) -> Any:
    """The offline document with each stand-in ARN replaced by the deployed one."""
    text = json.dumps(document)
    for logical in sorted(offline, key=lambda name: -len(offline[name])):  # stream before table
        text = text.replace(offline[logical], deployed[logical])
    return json.loads(text)


def readable(document: Any) -> Any:
    """A policy document from IAM's API. moto 5.2's CloudFormation stores a role's inline
    policy as Python's repr of the dict (AWS: URL-encoded JSON), so read that too."""
    if isinstance(document, str) and document.startswith("{'"):
        return ast.literal_eval(document)
    return NamedPolicy.parse("role policy", document).document


def offline_arns(stack_name: str) -> tuple[dict[str, str], Any]:
    policies = read_template_policies(TEMPLATE, stack_name=stack_name)
    arns = {name: policies.arn(name) for name in
            ("ReadingsTable", "AlertTopic", "FailureQueue", "PiDevicePolicy",
             "IngestFunction", "StreamFunction", "HealthFunction")}  # fmt: skip
    arns["ReadingsTable/stream"] = f"{arns['ReadingsTable']}/stream/{STREAM_LABEL}"
    return arns, policies


def test_device_policies_read_by_the_url_guard_are_the_templates(deployed: Deployed) -> None:
    """The device user `thermostat device add` makes has PiDevicePolicy and nothing else, as
    the data plane's IAM directory (the URL guard's) reads it."""
    keys = device_identity(
        deployed.aws.client("iam"),
        stack=deployed.name,
        device_id="hall",
        policy_arn=deployed.outputs["PiDevicePolicyArn"],
    )
    directory = EmulatorIam(deployed.aws.client("iam"), moto_secrets(deployed.aws.endpoint_url))
    principal = directory.lookup(keys.access_key_id)
    assert principal is not None
    arns, policies = offline_arns(deployed.name)
    expected = policies.managed_policies["PiDevicePolicy"].policies[0].document
    assert [p.document for p in principal.policies] == [translated(expected, arns, deployed.arns())]
    assert f":user/thermostat/{deployed.name}/device/hall/" in principal.arn


@pytest.mark.parametrize("role", ["IngestFunctionRole", "StreamFunctionRole", "HealthFunctionRole"])
def test_role_policies_in_iam_are_the_templates(deployed: Deployed, role: str) -> None:
    """Each role's inline policy, as IAM holds it, is the document the tests evaluate."""
    iam = deployed.aws.client("iam")
    arns, policies = offline_arns(deployed.name)
    real = deployed.arns()
    for offline in policies.roles[role].policies:
        name = offline.name.split("/", 1)[1]
        document = iam.get_role_policy(RoleName=deployed.physical[role], PolicyName=name)
        held = readable(document["PolicyDocument"])
        assert held == translated(offline.document, arns, real)
    names = iam.list_role_policies(RoleName=deployed.physical[role])["PolicyNames"]
    attached = iam.list_attached_role_policies(RoleName=deployed.physical[role])
    assert len(names) == len(policies.roles[role].policies)
    assert attached["AttachedPolicies"] == []
