"""Deploy infra/template.yaml to an emulator the way `make dev` does (local data plane mode)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devstack.deploy import deploy_stack

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"


def deploy(
    cloudformation: Any,
    stack_name: str = "thermostat",
    *,
    template: Path = TEMPLATE,
    **parameters: str,
) -> dict[str, str]:
    """Create the stack, wait for it, and return its outputs."""
    values = {
        "IngestImageUri": "thermostat-ingest:test",
        "StreamImageUri": "thermostat-stream:test",
    }
    return deploy_stack(
        cloudformation, template, stack_name=stack_name, parameters={**values, **parameters}
    )
