"""The template's identities, read once, and the questions the least-privilege tests ask."""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path

from lambda_dataplane.effective import Grant, Situation, Who, grants
from lambda_dataplane.iam import Decision, NamedPolicy, Request, evaluate
from lambda_dataplane.template_policies import TemplatePolicies, read_template_policies
from lambda_dataplane.url_auth import Caller, authorize_url_call

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "infra" / "template.yaml"
STACK = "home"
DEVICE_ARN = "arn:aws:iam::123456789012:user/thermostat/home/device/hall/home-hall"
SERVICES = ("dynamodb", "lambda", "sns", "sqs", "logs", "events", "iam", "sts", "kms", "s3")
URL = {"lambda:FunctionUrlAuthType": "AWS_IAM", "lambda:InvokedViaFunctionUrl": "true"}


@cache
def stack(auth_type: str = "AWS_IAM") -> TemplatePolicies:
    return read_template_policies(
        TEMPLATE, stack_name=STACK, parameters={"FunctionUrlAuthType": auth_type}
    )


@cache
def universe() -> tuple[str, ...]:
    """Every action of SERVICES, from parliament's copy of AWS's authorization reference."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import parliament

    by_prefix = {entry["prefix"]: entry for entry in parliament.iam_definition}
    return tuple(
        f"{prefix}:{p['privilege']}" for prefix in SERVICES for p in by_prefix[prefix]["privileges"]
    )


def device() -> Who:
    return Who("device", DEVICE_ARN, stack().managed_policies["PiDevicePolicy"].policies)


def role(logical: str) -> Who:
    principal = stack().roles[logical]
    return Who(logical, principal.arn, principal.policies)


def arn(logical: str) -> str:
    return stack().arn(logical)


def table(suffix: str = "") -> str:
    return arn("ReadingsTable") + suffix


def log_stream(logical: str) -> str:
    return arn(logical).removesuffix(":*") + ":log-stream:2026/01/01/[$LATEST]0a1b"


def decide(who: Who, action: str, resource: str, context: dict[str, str] | None = None) -> Decision:
    """One request by ``who``, with the function's resource policy where there is one."""
    policies = {arn(name): p for name, p in stack().resource_policies.items()}
    return evaluate(
        Request(who.arn, action, resource, context or {}),
        identity_policies=who.policies,
        resource_policy=policies.get(resource),
    )


def url_call(who: Who, function: str, auth_type: str = "AWS_IAM") -> Decision:
    """Both actions of a Function URL call, exactly as the local URL guard checks them."""
    policies = stack(auth_type).resource_policies
    return authorize_url_call(
        Caller(who.arn, policies=who.policies),
        function_arn=stack(auth_type).arn(function),
        auth_type=auth_type,
        resource_policy=policies.get(function),
        source_ip="198.51.100.7",
    )


def every_grant(who: Who, auth_type: str = "AWS_IAM") -> set[tuple[str, str, str]]:
    """(resource name, action, situation) of everything ``who`` may do, by evaluation of
    every action of SERVICES on every resource of the stack, "*" and foreign ones."""
    policies = stack(auth_type)
    names = {a: name for name, a in policies.arns.items()}
    names |= {
        table("/index/DeviceStatusIndex"): "ReadingsTable/index",
        table("/stream/2026-01-01T00:00:00.000"): "ReadingsTable/stream",
        DEVICE_ARN: "device user",
        "arn:aws:dynamodb:us-east-1:123456789012:table/other": "other table",
        "*": "*",
    }
    names |= {log_stream(name): name for name in policies.arns if name.endswith("LogGroup")}
    found: list[Grant] = grants(
        who,
        actions=universe(),
        resources=list(names),
        resource_policies={policies.arn(n): p for n, p in policies.resource_policies.items()},
        situations=(
            Situation("", {}),
            Situation("url", {**URL, "lambda:FunctionUrlAuthType": auth_type}),
        ),
    )
    anywhere = {g.action for g in found if g.resource == "*"}  # said once, on "*"
    return {
        (names[g.resource], g.action, g.situation)
        for g in found
        if g.resource == "*" or g.action not in anywhere
    }


def all_policies() -> list[NamedPolicy]:
    found: list[NamedPolicy] = []
    for auth_type in ("AWS_IAM", "NONE"):
        policies = stack(auth_type)
        for principal in [*policies.roles.values(), *policies.managed_policies.values()]:
            found.extend(principal.policies)
        found.extend(policies.resource_policies.values())
    return found
