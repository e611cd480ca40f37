"""Helpers of the end-to-end tests: the pipeline under test, finding function processes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambda_dataplane.app import AwsEndpoint, DataPlane
from lambda_dataplane.stack import StackPlan

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "infra" / "template.yaml"
KEY, SECRET = "AKIDE2ETESTKEY000001", "e2e-test-secret"


@dataclass
class Pipeline:
    aws: AwsEndpoint
    plan: StackPlan
    plane: DataPlane
    stack_name: str
    logs: list[str]

    @property
    def url(self) -> str:
        return self.plane.urls["IngestFunctionUrl"]

    @property
    def table(self) -> str:
        return self.plan.outputs["TableName"]

    def client(self, service: str) -> Any:
        return self.aws.client(service)


def function_pids(function_name: str) -> list[int]:
    """Live processes whose Lambda environment names ``function_name`` (read from /proc)."""
    marker = f"AWS_LAMBDA_FUNCTION_NAME={function_name}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in environ and state != "Z":
            pids.append(int(entry.name))
    return pids


def functions_of_stack(stack_name: str) -> list[int]:
    """Live function processes of any function named ``<stack_name>-...``."""
    return function_pids(f"{stack_name}-ingest") + function_pids(f"{stack_name}-stream")


def processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if text.encode() in argv:
            found.append(int(entry.name))
    return found
