"""Deploy infra/template.yaml to an emulator the way `make dev` does (local data plane mode)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"


def deploy(
    cloudformation: Any,
    stack_name: str = "thermostat",
    *,
    template_body: str | None = None,
    **parameters: str,
) -> dict[str, str]:
    """Create the stack, wait for it, and return its outputs."""
    values = {
        "IngestImageUri": "thermostat-ingest:test",
        "StreamImageUri": "thermostat-stream:test",
        "LocalDataPlane": "true",
        **parameters,
    }
    cloudformation.create_stack(
        StackName=stack_name,
        TemplateBody=template_body or TEMPLATE.read_text(),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    cloudformation.get_waiter("stack_create_complete").wait(
        StackName=stack_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
