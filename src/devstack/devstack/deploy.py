"""Deploy the project's CloudFormation template to the emulator, in local-data-plane mode."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from devstack.errors import DeployError

# The functions are not built as images in make dev: these names only fill the parameters.
LOCAL_PARAMETERS = {
    "IngestImageUri": "thermostat-ingest:dev",
    "StreamImageUri": "thermostat-stream:dev",
    "LocalDataPlane": "true",
}


def deploy_stack(
    cloudformation: Any,
    template_path: Path,
    *,
    stack_name: str,
    parameters: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> dict[str, str]:
    """Create the stack, wait for CREATE_COMPLETE and return its outputs."""
    values = {**LOCAL_PARAMETERS, **(parameters or {})}
    try:
        cloudformation.create_stack(
            StackName=stack_name,
            TemplateBody=template_path.read_text(encoding="utf-8"),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
        )
        deadline = time.monotonic() + timeout
        while True:
            stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
            status = str(stack["StackStatus"])
            if status == "CREATE_COMPLETE":
                return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
            if not status.endswith("IN_PROGRESS") or time.monotonic() > deadline:
                reason = stack.get("StackStatusReason", "")
                raise DeployError(f"stack {stack_name} is {status} {reason}".strip())
            time.sleep(0.05)
    # moto answers some template errors with an HTML 500 page, which botocore cannot parse.
    except (OSError, ClientError, BotoCoreError, ResponseParserError) as err:
        raise DeployError(f"cannot deploy {template_path} as {stack_name}: {err}") from err
