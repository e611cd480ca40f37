"""Deploy infra/template.yaml into LocalStack (run by ready.d/10-deploy-stack.sh).

Without LOCALSTACK_AUTH_TOKEN, free LocalStack cannot run image functions: the stack is
deployed with LocalDataPlane=true and the compose `dataplane` service serves the Function
URL (DATAPLANE_URL). With a token, LocalStack creates the Function URL and runs the images.
Writes ENDPOINTS_FILE in the shape of `make dev`'s .devstack/endpoints.json, which the Pi
client reads (`endpoints_file`), and prints the Function URL. Needs boto3 and the project's
contract package (mounted by docker-compose.yml at THERMOSTAT_LIB), which is standard library
only in the two modules used here: `thermostat.stacks` and `thermostat.endpoints`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions

sys.path.insert(0, os.environ.get("THERMOSTAT_LIB", str(Path(__file__).resolve().parent / "lib")))

from thermostat.endpoints import Endpoints
from thermostat.stacks import StackDeployError, deploy_stack

_POLL = int(os.environ.get("DEPLOY_POLL_SECONDS", "2"))
AWS_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)


def settings() -> dict[str, str]:
    env = os.environ.get
    return {
        "endpoint_url": env("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
        "region": env("AWS_REGION") or env("AWS_DEFAULT_REGION") or "us-east-1",
        "access_key_id": env("AWS_ACCESS_KEY_ID", "test"),
        "secret_access_key": env("AWS_SECRET_ACCESS_KEY", "test"),
        "stack_name": env("STACK_NAME", "thermostat"),
        "ingest_image": env("INGEST_IMAGE", "thermostat-ingest:latest"),
        "stream_image": env("STREAM_IMAGE", "thermostat-stream:latest"),
        "local_data_plane": "false" if env("LOCALSTACK_AUTH_TOKEN") else "true",
        "dataplane_url": env("DATAPLANE_URL", "http://127.0.0.1:9000/"),
        # Where clients on the host reach LocalStack (the published port).
        "public_endpoint_url": env("PUBLIC_ENDPOINT_URL", "http://127.0.0.1:4566"),
        "endpoints_file": env("ENDPOINTS_FILE", "/var/lib/thermostat/endpoints.json"),
    }


def deploy(cfn: Any, s: dict[str, str], template: str) -> dict[str, str]:
    """Create the stack, or update it when LocalStack kept it (persistence); wait."""
    params = {
        "IngestImageUri": s["ingest_image"],
        "StreamImageUri": s["stream_image"],
        "LocalDataPlane": s["local_data_plane"],
        # A local stack answers at once; the 300 s default window saves money on AWS only.
        "StreamMaximumBatchingWindowInSeconds": "0",
    }
    return deploy_stack(
        cfn,
        stack_name=s["stack_name"],
        template_body=template,
        parameters=params,
        timeout=600,
        poll=_POLL,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, required=True)
    args = parser.parse_args(argv)
    s = settings()
    cfn = boto3.client(
        "cloudformation",
        endpoint_url=s["endpoint_url"],
        region_name=s["region"],
        aws_access_key_id=s["access_key_id"],
        aws_secret_access_key=s["secret_access_key"],
    )
    try:
        outputs = deploy(cfn, s, args.template.read_text())
    except (OSError, StackDeployError, *AWS_ERRORS) as err:
        print(f"deploy_stack: {s['stack_name']} failed: {err}", file=sys.stderr)
        return 1
    managed = s["local_data_plane"] == "false"
    ingest_url = outputs.get("IngestFunctionUrl") if managed else s["dataplane_url"]
    if not ingest_url:
        print("deploy_stack: the stack has no IngestFunctionUrl output", file=sys.stderr)
        return 1
    Endpoints(
        aws_endpoint_url=s["public_endpoint_url"],
        region=s["region"],
        ingest_url=ingest_url,
        table_name=outputs["TableName"],
        access_key_id=s["access_key_id"],
        secret_access_key=s["secret_access_key"],
        stack_name=s["stack_name"],
        functions_run_by="localstack" if managed else "dataplane",
    ).write(Path(s["endpoints_file"]), mode=0o644)  # LocalStack's well-known test keys only
    print(f"thermostat stack {s['stack_name']} deployed; Function URL: {ingest_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
