"""`make deploy` / `make destroy`: infra/template.yaml as a CloudFormation stack.

deploy: creates or updates the stack with the image URIs of the last `make push`
(or INGEST_IMAGE_URI/STREAM_IMAGE_URI), waits, then prints the Function URL and the
[endpoint] section of the Pi's config. Extra template parameters: PARAMS="Key=Value ...".
destroy: deletes the stack and waits (the ECR repositories and their images stay).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from typing import Any

import botocore.exceptions
from aws_settings import ROOT, Aws, SettingsError, connect, read_pushed_images

TEMPLATE = ROOT / "infra" / "template.yaml"
_POLL = int(os.environ.get("DEPLOY_POLL_SECONDS", "5"))
WAIT = {"Delay": _POLL, "MaxAttempts": 1800 // _POLL}  # up to 30 minutes


class DeployError(Exception):
    """The stack did not reach the state asked for; the message says why."""


def parameters(images: dict[str, str], extra: str) -> list[dict[str, str]]:
    values = {"IngestImageUri": images["ingest"], "StreamImageUri": images["stream"]}
    if images.get("architecture"):
        values["FunctionArchitecture"] = images["architecture"]
    for pair in shlex.split(extra):
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SettingsError(f"PARAMS entry {pair!r} is not Key=Value")
        values[key] = value
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def stack_status(cfn: Any, stack: str) -> str | None:
    try:
        return str(cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"])
    except botocore.exceptions.ClientError as err:
        if "does not exist" in str(err):
            return None
        raise


def failure_reasons(cfn: Any, stack: str) -> str:
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    reasons = [
        f"  {e.get('LogicalResourceId')}: {e.get('ResourceStatusReason')}"
        for e in events
        if e.get("ResourceStatus", "").endswith("FAILED") and e.get("ResourceStatusReason")
    ]
    return "\n".join(reasons[:10]) or "  (no reason reported)"


def deploy(aws: Aws, stack: str, params: list[dict[str, str]]) -> dict[str, str]:
    cfn = aws.client("cloudformation")
    status = stack_status(cfn, stack)
    if status == "ROLLBACK_COMPLETE":  # a failed create can only be deleted
        raise DeployError(f"stack {stack} is ROLLBACK_COMPLETE: `make destroy`, then deploy again")
    request = {
        "StackName": stack,
        "TemplateBody": TEMPLATE.read_text(),
        "Parameters": params,
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    }
    try:
        if status is None:
            print(f"creating stack {stack} in {aws.region} ...", file=sys.stderr)
            cfn.create_stack(**request)
            cfn.get_waiter("stack_create_complete").wait(StackName=stack, WaiterConfig=WAIT)
        else:
            print(f"updating stack {stack} in {aws.region} ...", file=sys.stderr)
            cfn.update_stack(**request)
            cfn.get_waiter("stack_update_complete").wait(StackName=stack, WaiterConfig=WAIT)
    except botocore.exceptions.ClientError as err:
        if "No updates are to be performed" not in str(err):
            raise
        print(f"stack {stack} is already up to date", file=sys.stderr)
    except botocore.exceptions.WaiterError as err:
        raise DeployError(f"stack {stack} failed:\n{failure_reasons(cfn, stack)}") from err
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def pi_config(outputs: dict[str, str], region: str) -> str:
    url = outputs.get("IngestFunctionUrl", "<no Function URL: LocalDataPlane=true?>")
    auth = outputs.get("FunctionUrlAuthType", "AWS_IAM")
    lines = ["[endpoint]", f'url = "{url}"', f'auth = "{auth}"', f'region = "{region}"']
    if auth == "AWS_IAM":
        lines.append(
            "# access_key_id / secret_access_key: keys of an IAM user with the policy "
            + outputs.get("PiDevicePolicyArn", "PiDevicePolicyArn")
        )
    return "\n".join(lines)


def destroy(aws: Aws, stack: str) -> None:
    cfn = aws.client("cloudformation")
    if stack_status(cfn, stack) is None:
        print(f"stack {stack} does not exist: nothing to destroy")
        return
    cfn.delete_stack(StackName=stack)
    try:
        cfn.get_waiter("stack_delete_complete").wait(StackName=stack, WaiterConfig=WAIT)
    except botocore.exceptions.WaiterError as err:
        raise DeployError(f"deleting stack {stack} failed:\n{failure_reasons(cfn, stack)}") from err
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
    except (DeployError, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as err:
        print(f"{args.action}: {err}", file=sys.stderr)
        return 1
    for key, value in sorted(outputs.items()):
        print(f"{key}: {value}")
    print(f"\nFunction URL: {outputs.get('IngestFunctionUrl', '(none)')}")
    print("\nThe Pi's /etc/thermostat-pi/config.toml:\n" + pi_config(outputs, aws.region))
    return 0


if __name__ == "__main__":
    sys.exit(main())
