"""Deploy a CloudFormation stack and wait for it: the one loop every deployer here shares.

``make dev`` (moto), the tests, the LocalStack init hook and ``make deploy`` (AWS) all create
or update infra/template.yaml the same way. The caller passes its own CloudFormation client
(botocore is never imported here, so the LocalStack hook can use this with its own boto3).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
_DONE = ("CREATE_COMPLETE", "UPDATE_COMPLETE")


class StackDeployError(RuntimeError):
    """The stack did not reach CREATE_COMPLETE or UPDATE_COMPLETE; the message says why."""


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def stack_status(cloudformation: Any, stack_name: str) -> str | None:
    """The stack's status, or None when there is no such stack."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except Exception as err:  # botocore's ClientError, without importing botocore
        if "does not exist" in str(err):
            return None
        raise
    return str(stacks[0]["StackStatus"]) if stacks else None


def failure_reasons(cloudformation: Any, stack_name: str) -> str:
    """The first reasons CloudFormation gave for failed resources, one per line."""
    try:
        events = cloudformation.describe_stack_events(StackName=stack_name)["StackEvents"]
    except Exception:  # noqa: BLE001 - an emulator without events: the status reason will do
        return ""
    reasons = [
        f"{e.get('LogicalResourceId')}: {e.get('ResourceStatusReason')}"
        for e in events
        if str(e.get("ResourceStatus", "")).endswith("FAILED") and e.get("ResourceStatusReason")
    ]
    return "\n".join(reasons[:10])


def deploy_stack(
    cloudformation: Any,
    *,
    stack_name: str,
    template_body: str,
    parameters: Mapping[str, str],
    timeout: float = 1800.0,
    poll: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> dict[str, str]:
    """Create ``stack_name``, or update it if it exists; wait; return its outputs.

    An update that changes nothing is success. A stack left in ROLLBACK_COMPLETE by a failed
    create can only be deleted, which is the caller's decision: it is an error here.
    """
    status = stack_status(cloudformation, stack_name)
    if status == "ROLLBACK_COMPLETE":
        raise StackDeployError(
            f"stack {stack_name} is ROLLBACK_COMPLETE from a failed create: delete it first"
        )
    request = {
        "StackName": stack_name,
        "TemplateBody": template_body,
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        "Capabilities": CAPABILITIES,
    }
    try:
        if status is None:
            cloudformation.create_stack(**request)
        else:
            cloudformation.update_stack(**request)
    except Exception as err:
        if status is not None and "No updates are to be performed" in str(err):
            return stack_outputs(cloudformation, stack_name)
        raise
    deadline = monotonic() + timeout
    while True:
        stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        current = str(stack["StackStatus"])
        if current in _DONE:
            return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        if not current.endswith("_IN_PROGRESS") or monotonic() > deadline:
            reasons = failure_reasons(cloudformation, stack_name) or stack.get(
                "StackStatusReason", ""
            )
            late = f" after {timeout:.0f} s" if current.endswith("_IN_PROGRESS") else ""
            detail = f":\n{reasons}" if reasons else ""
            raise StackDeployError(f"stack {stack_name} is {current}{late}{detail}")
        sleep(poll)
