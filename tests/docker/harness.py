"""The stack under test for the Docker end-to-end scenarios, whichever backend runs it.

Default backend: moto_server on 127.0.0.1, the template deployed in local-data-plane mode with
the built images, and `thermostat-dataplane --mode docker` running those images (host network).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import requests

from lambda_dataplane import children
from tests.support.moto import running_moto_server
from tests.support.stack import deploy
from thermostat.endpoints import Endpoints

ROOT = Path(__file__).resolve().parents[2]
PREFIX = os.environ.get("IMAGE_PREFIX", "thermostat")
TAG = os.environ.get("IMAGE_TAG", "latest")
INGEST_IMAGE = f"{PREFIX}-ingest:{TAG}"
STREAM_IMAGE = f"{PREFIX}-stream:{TAG}"
T = TypeVar("T")


class E2EFailure(AssertionError):
    """A scenario step failed; the message carries what the functions logged."""


def docker(
    *args: str, check: bool = True, input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], input=input_text, capture_output=True, text=True, check=check
    )


@dataclass
class Stack:
    """What a scenario needs: where the stack is (the typed endpoints.json record: URL, table,
    signing keys), AWS clients, and the functions' logs."""

    endpoints: Endpoints
    logs: Callable[[], str]

    @property
    def url(self) -> str:
        return self.endpoints.ingest_url

    @property
    def table_name(self) -> str:
        return self.endpoints.table_name

    @property
    def stack_name(self) -> str:
        return self.endpoints.stack_name

    def client(self, service: str) -> Any:
        """A boto3 client for the stack's AWS endpoint, with its keys and region."""
        e = self.endpoints
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=e.aws_endpoint_url,
            region_name=e.region,
            aws_access_key_id=e.access_key_id,
            aws_secret_access_key=e.secret_access_key,
        )

    def post(self, body: object) -> requests.Response:
        """POST JSON to the Function URL, SigV4-signed for service `lambda` like the Pi does."""
        e, data = self.endpoints, json.dumps(body).encode()
        request = botocore.awsrequest.AWSRequest(
            "POST", self.url, data=data, headers={"Content-Type": "application/json"}
        )
        credentials = botocore.credentials.Credentials(e.access_key_id, e.secret_access_key)
        botocore.auth.SigV4Auth(credentials, "lambda", e.region).add_auth(request)
        return requests.post(self.url, data=data, headers=dict(request.headers), timeout=60)

    def outputs(self) -> dict[str, str]:
        """The CloudFormation stack's outputs (FailureQueueUrl, TableStreamArn, ...)."""
        [described] = self.client("cloudformation").describe_stacks(StackName=self.stack_name)[
            "Stacks"
        ]
        return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}

    def fail(self, message: str) -> E2EFailure:
        return E2EFailure(f"{message}\n--- functions' and data plane's output ---\n{self.logs()}")

    def item(self, pk: str, sk: str) -> dict[str, Any] | None:
        answer = self.client("dynamodb").get_item(
            TableName=self.table_name, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
        )
        item: dict[str, Any] | None = answer.get("Item")
        return item

    def eventually(self, what: str, probe: Callable[[], T | None], timeout: float = 45) -> T:
        """Poll `probe` until it returns something; fail with the logs at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            value = probe()
            if value is not None:
                return value
            if time.monotonic() > deadline:
                raise self.fail(f"{what}: not seen within {timeout:.0f}s")
            time.sleep(0.1)


def _tail(path: Path, lines: int = 80) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _wait_for_file(path: Path, process: subprocess.Popen[bytes], log: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.read_text()):
        if process.poll() is not None:
            raise E2EFailure(
                f"thermostat-dataplane exited with {process.returncode}:\n{_tail(log)}"
            )
        if time.monotonic() > deadline:
            raise E2EFailure(f"thermostat-dataplane not ready in {timeout}s:\n{_tail(log)}")
        time.sleep(0.1)
    return path.read_text()


def _remove_containers(stack_name: str) -> list[str]:
    """Containers of this stack still present (the data plane should have removed them)."""
    found = [
        *docker("ps", "-aq", "--filter", f"name=lambda-{stack_name}-").stdout.split(),
        *docker("ps", "-aq", "--filter", f"name=dataplane-{stack_name}").stdout.split(),
    ]
    if found:
        docker("rm", "--force", *found, check=False)
    return found


def dataplane_argv(image: str | None, stack_name: str, workdir: Path) -> list[str]:
    """The data plane as a host process, or (image given) as compose's dataplane service runs it."""
    if image is None:
        return [str(Path(sys.executable).with_name("thermostat-dataplane"))]
    return [
        *("docker", "run", "--rm", "--network", "host", "--name", f"dataplane-{stack_name}"),
        *("-v", "/var/run/docker.sock:/var/run/docker.sock", "-v", f"{workdir}:{workdir}"),
        *("-v", f"{ROOT / 'infra'}:{ROOT / 'infra'}:ro"),
        *("-e", "AWS_ACCESS_KEY_ID", "-e", "AWS_SECRET_ACCESS_KEY", image),
    ]


@contextmanager
def moto_docker_stack(
    workdir: Path,
    ingest_image: str = INGEST_IMAGE,
    stream_image: str = STREAM_IMAGE,
    dataplane_image: str | None = None,
) -> Iterator[Stack]:
    """moto_server + the template + the data plane in Docker mode; all stopped on exit.

    dataplane_image: run the data plane from that image (compose's service) instead of the venv.
    """
    with running_moto_server(workdir / "moto.log") as moto:
        env = {**os.environ, **moto.env()}
        env.pop("AWS_PROFILE", None)
        stack_name = f"e2e-{uuid.uuid4().hex[:8]}"
        outputs = deploy(
            moto.client("cloudformation"),
            stack_name,
            IngestImageUri=ingest_image,
            StreamImageUri=stream_image,
        )
        log, ready = workdir / f"{stack_name}.log", workdir / f"{stack_name}.ready.json"
        argv = [
            *dataplane_argv(dataplane_image, stack_name, workdir),
            *("--mode", "docker", "--endpoint-url", moto.endpoint_url),
            *("--region", env["AWS_REGION"], "--stack-name", stack_name),
            *("--template", str(ROOT / "infra" / "template.yaml"), "--ready-file", str(ready)),
        ]
        with log.open("wb") as sink:
            process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, env=env)
        try:
            urls = json.loads(_wait_for_file(ready, process, log, timeout=60))
            where = Endpoints(
                aws_endpoint_url=moto.endpoint_url,
                region=env["AWS_REGION"],
                ingest_url=urls["IngestFunctionUrl"],
                table_name=outputs["TableName"],
                access_key_id=env["AWS_ACCESS_KEY_ID"],
                secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                stack_name=stack_name,
            )
            yield Stack(where, logs=lambda: _tail(log))
        finally:
            children.stop(process, grace=60)
            leftovers = _remove_containers(stack_name)
        if leftovers:
            raise E2EFailure(f"the data plane left containers running: {leftovers}")
