"""Deploy the project's CloudFormation template to the emulator, in local-data-plane mode."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from devstack.errors import DeployError
from thermostat.stacks import StackDeployError
from thermostat.stacks import deploy_stack as deploy_and_wait

# The functions are not built as images in make dev: these names only fill the parameters.
# No batching window: on AWS the default 300 s saves status writes (docs/benchmarks.md); locally
# a rollup and an alert should follow a reading at once (make dev, the tests).
LOCAL_PARAMETERS = {
    "IngestImageUri": "thermostat-ingest:dev",
    "StreamImageUri": "thermostat-stream:dev",
    "LocalDataPlane": "true",
    "StreamMaximumBatchingWindowInSeconds": "0",
}


def deploy_stack(
    cloudformation: Any,
    template_path: Path,
    *,
    stack_name: str,
    parameters: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> dict[str, str]:
    """Create (or update) the stack in local-data-plane mode, wait, and return its outputs."""
    try:
        return deploy_and_wait(
            cloudformation,
            stack_name=stack_name,
            template_body=template_path.read_text(encoding="utf-8"),
            parameters={**LOCAL_PARAMETERS, **(parameters or {})},
            timeout=timeout,
            poll=0.05,
        )
    # moto answers some template errors with an HTML 500 page, which botocore cannot parse.
    except (OSError, ClientError, BotoCoreError, ResponseParserError, StackDeployError) as err:
        raise DeployError(f"cannot deploy {template_path} as {stack_name}: {err}") from err
