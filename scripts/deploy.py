"""`make deploy` / `make destroy`: infra/template.yaml as a CloudFormation stack.

deploy: creates or updates the stack with the image URIs of the last `make push`
(or INGEST_IMAGE_URI/STREAM_IMAGE_URI), waits, then prints the outputs, the Function URL
and how to add each Pi (``thermostat device add``).
Extra template parameters: PARAMS="Key=Value ...".
destroy: deletes the stack and waits (the ECR repositories and their images stay).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys

import botocore.exceptions
from aws_settings import ROOT, Aws, SettingsError, connect, read_pushed_images

from thermostat.stacks import StackDeployError, deploy_stack, failure_reasons, stack_status

TEMPLATE = ROOT / "infra" / "template.yaml"
_POLL = int(os.environ.get("DEPLOY_POLL_SECONDS", "5"))
WAIT = {"Delay": _POLL, "MaxAttempts": 1800 // _POLL}  # up to 30 minutes
AWS_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)


def parameters(images: dict[str, str], extra: str) -> dict[str, str]:
    values = {"IngestImageUri": images["ingest"], "StreamImageUri": images["stream"]}
    if images.get("architecture"):
        values["FunctionArchitecture"] = images["architecture"]
    for pair in shlex.split(extra):
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SettingsError(f"PARAMS entry {pair!r} is not Key=Value")
        values[key] = value
    return values


def deploy(aws: Aws, stack: str, params: dict[str, str]) -> dict[str, str]:
    action = "updating" if stack_status(aws.client("cloudformation"), stack) else "creating"
    print(f"{action} stack {stack} in {aws.region} ...", file=sys.stderr)
    return deploy_stack(
        aws.client("cloudformation"),
        stack_name=stack,
        template_body=TEMPLATE.read_text(),
        parameters=params,
        timeout=1800,
        poll=_POLL,
    )


def next_steps(stack: str) -> str:
    """What to do after a deploy: each Pi gets its own identity and config from the CLI."""
    return (
        "Next, for each thermostat (its own IAM user, config.toml and keys.toml):\n"
        f"  thermostat device add living-room --stack {stack} --output living-room/\n"
        "then copy both files to /etc/thermostat-pi/ on that Pi (pi/README.md)."
    )


def destroy(aws: Aws, stack: str) -> None:
    cfn = aws.client("cloudformation")
    if stack_status(cfn, stack) is None:
        print(f"stack {stack} does not exist: nothing to destroy")
        return
    cfn.delete_stack(StackName=stack)
    try:
        cfn.get_waiter("stack_delete_complete").wait(StackName=stack, WaiterConfig=WAIT)
    except botocore.exceptions.WaiterError as err:
        reasons = failure_reasons(cfn, stack)
        raise StackDeployError(f"deleting stack {stack} failed:\n{reasons}") from err
    print(f"deleted stack {stack} (the ECR repositories and images are kept)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["deploy", "destroy"])
    parser.add_argument("--stack", default=os.environ.get("STACK_NAME", "thermostat"))
    parser.add_argument("--params", default=os.environ.get("PARAMS", ""))
    args = parser.parse_args(argv)
    try:
        aws = connect()
        if args.action == "destroy":
            destroy(aws, args.stack)
            return 0
        images = read_pushed_images()
        pushed_to = images.get("region")
        if pushed_to and pushed_to != aws.region and not os.environ.get("INGEST_IMAGE_URI"):
            raise SettingsError(
                f"the images were pushed to {pushed_to}, not {aws.region}: Lambda runs images "
                f"from its own region's ECR; run `make push` with AWS_REGION={aws.region}"
            )
        outputs = deploy(aws, args.stack, parameters(images, args.params))
    except SettingsError as err:
        print(f"{args.action}: {err}", file=sys.stderr)
        return 2
    except (
        StackDeployError,
        botocore.exceptions.BotoCoreError,
        botocore.exceptions.ClientError,
    ) as err:
        print(f"{args.action}: {err}", file=sys.stderr)
        return 1
    for key, value in sorted(outputs.items()):
        print(f"{key}: {value}")
    print(f"\nFunction URL: {outputs.get('IngestFunctionUrl', '(none)')}")
    print("\n" + next_steps(args.stack))
    return 0


if __name__ == "__main__":
    sys.exit(main())
