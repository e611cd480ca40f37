"""Who may do what in the stack: a table computed from infra/template.yaml's policies.

Each identity's effective permissions come from evaluating, with the local stack's IAM
evaluation (lambda_dataplane.iam), every action of the services below (AWS's list of actions
as parliament ships it) on every resource of the stack, "*" and a stand-in for anything
else of the account. So the table shows what the policies allow, not what they mention.

Usage:
  python scripts/permissions.py                        print the table (Markdown)
  python scripts/permissions.py --update docs/security.md   rewrite it between the markers
  python scripts/permissions.py --check docs/security.md    exit 1 if the doc's table differs
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

from lambda_dataplane.effective import Grant, Situation, Who, grants
from lambda_dataplane.iam import NamedPolicy
from lambda_dataplane.template_policies import TemplatePolicies, read_template_policies

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "infra" / "template.yaml"
STACK, DEVICE = "thermostat", "living-room"
BEGIN, END = "<!-- permissions:begin -->", "<!-- permissions:end -->"
# Every service the stack uses, and those an attacker with a key would try first.
SERVICES = ("dynamodb", "lambda", "sns", "sqs", "logs", "events", "iam", "sts", "kms", "s3")
ROLES = {
    "IngestFunctionRole": "the ingest function",
    "StreamFunctionRole": "the stream function",
    "HealthFunctionRole": "the health check",
}


def universe() -> list[str]:
    """Every action of SERVICES in parliament's copy of AWS's service authorization data."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # parliament imports the deprecated pkg_resources
        import parliament

    services = {entry["prefix"]: entry for entry in parliament.iam_definition}
    return sorted(
        f"{prefix}:{privilege['privilege']}"
        for prefix in SERVICES
        for privilege in services[prefix]["privileges"]
    )


def device_user_arn(policies: TemplatePolicies) -> str:
    # thermostat.identities' layout: /thermostat/<stack>/device/<id>/<stack>-<id>
    return (
        f"arn:aws:iam::{policies.account_id}:user/thermostat/{STACK}/device/{DEVICE}/"
        f"{STACK}-{DEVICE}"
    )


def resources(policies: TemplatePolicies) -> dict[str, str]:
    """Resource ARN to ask about -> its name in the table."""
    names = {}
    for logical, arn in policies.arns.items():
        if arn.endswith(":*") and ":log-group:" in arn:
            arn = arn[: -len(":*")] + ":log-stream:any"  # what PutLogEvents names
        names[arn] = logical
    table = policies.arn("ReadingsTable")
    names[f"{table}/index/DeviceStatusIndex"] = "ReadingsTable/index/DeviceStatusIndex"
    names[f"{table}/stream/2026-01-01T00:00:00.000"] = "ReadingsTable's stream"
    names[device_user_arn(policies)] = "the device's own IAM user"
    account, region = policies.account_id, policies.region
    names[f"arn:aws:dynamodb:{region}:{account}:table/another-table"] = "another table"
    names[f"arn:aws:lambda:{region}:{account}:function:another-function"] = "another function"
    names["*"] = "* (any resource)"
    return names


def situations(auth_type: str) -> tuple[Situation, ...]:
    url = {"lambda:FunctionUrlAuthType": auth_type, "lambda:InvokedViaFunctionUrl": "true"}
    return (Situation("", {}), Situation("through the Function URL", url))


def identities() -> list[tuple[Who, TemplatePolicies, str]]:
    """(who, the policies of the stack as deployed for them, the URL's auth type)."""
    iam = read_template_policies(TEMPLATE, stack_name=STACK)
    public = read_template_policies(
        TEMPLATE, stack_name=STACK, parameters={"FunctionUrlAuthType": "NONE"}
    )
    device = iam.managed_policies["PiDevicePolicy"]
    who = "a device (its own IAM user, PiDevicePolicy attached)"
    found = [(Who(who, device_user_arn(iam), device.policies), iam, "AWS_IAM")]
    for logical, what in ROLES.items():
        role = iam.roles[logical]
        found.append((Who(f"{what} ({logical})", role.arn, role.policies), iam, "AWS_IAM"))
    stranger = "anyone on the internet (FunctionUrlAuthType {})"
    found.append((Who(stranger.format("AWS_IAM, the default"), None), iam, "AWS_IAM"))
    found.append((Who(stranger.format("NONE"), None), public, "NONE"))
    return found


def by_arn(policies: TemplatePolicies) -> Mapping[str, NamedPolicy]:
    return {policies.arn(logical): p for logical, p in policies.resource_policies.items()}


def rows(who: Who, found: Iterable[Grant], names: Mapping[str, str]) -> list[str]:
    found = list(found)
    # An action allowed on "*" is allowed on every resource: say it once, on "*".
    anywhere = {grant.action for grant in found if grant.resource == "*"}
    found = [g for g in found if g.resource == "*" or g.action not in anywhere]
    grouped: dict[str, list[str]] = {}
    for grant in found:
        label = grant.action + (f" ({grant.situation})" if grant.situation else "")
        grouped.setdefault(names[grant.resource], []).append(label)
    if not grouped:
        return [f"| {who.name} | nothing | |"]
    lines = []
    for index, (resource, actions) in enumerate(sorted(grouped.items())):
        name = who.name if index == 0 else ""
        lines.append(f"| {name} | {', '.join(actions)} | {resource} |")
    return lines


def table() -> str:
    actions = universe()
    lines = [
        f"Generated by `make permissions` from infra/template.yaml: {len(actions)} actions of"
        f" {', '.join(SERVICES)}, each evaluated on every resource of the stack, on `*` and"
        " on resources outside the stack.",
        "",
        "| who | may | on |",
        "| --- | --- | --- |",
    ]
    named: set[str] = set()
    for who, policies, auth_type in identities():
        names = resources(policies)
        named |= {action for p in who.policies for action in _actions(p)}
        found = grants(
            who,
            actions=actions,
            resources=list(names),
            resource_policies=by_arn(policies),
            situations=situations(auth_type),
        )
        lines.extend(rows(who, found, names))
    unseen = sorted(a for a in named if a.lower() not in {x.lower() for x in actions})
    if unseen:  # a grant of an action outside the universe would not show: refuse
        raise SystemExit(f"permissions: actions not in the universe asked about: {unseen}")
    return "\n".join([*lines, "", *services()]) + "\n"


def services() -> list[str]:
    """Which AWS services may act as each role, or call a function (its resource policy)."""
    policies = read_template_policies(TEMPLATE, stack_name=STACK)
    lines = ["| AWS service | may | on |", "| --- | --- | --- |"]
    for logical, role in sorted(policies.roles.items()):
        for statement in role.trust.statements() if role.trust else []:
            for service in _listed((statement.get("Principal") or {}).get("Service")):
                lines.append(f"| {service} | {statement['Action']} (act as the role) | {logical} |")
    names = {arn: logical for logical, arn in policies.arns.items()}
    for logical, policy in sorted(policies.resource_policies.items()):
        for statement in policy.statements():
            for service in _listed((statement.get("Principal") or {}).get("Service")):
                source = (statement.get("Condition") or {}).get("ArnLike", {}).get("AWS:SourceArn")
                origin = f" (from {names.get(str(source), source)} only)" if source else ""
                lines.append(f"| {service} | {statement['Action']}{origin} | {logical} |")
    return lines


def _listed(value: object) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _actions(policy: NamedPolicy) -> list[str]:
    out: list[str] = []
    for statement in policy.statements():
        value = statement.get("Action", [])
        out.extend([value] if isinstance(value, str) else value)
    return out


def replace_between_markers(text: str, body: str) -> str:
    if BEGIN not in text or END not in text:
        raise SystemExit(f"permissions: the document has no {BEGIN} ... {END} markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{body}{END}{tail}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--update", type=Path, help="rewrite the table in this Markdown file")
    mode.add_argument("--check", type=Path, help="exit 1 if this file's table is not current")
    args = parser.parse_args(argv)
    body = table()
    if args.update:
        args.update.write_text(replace_between_markers(args.update.read_text(), body))
    elif args.check:
        current = args.check.read_text()
        if replace_between_markers(current, body) != current:
            print(f"{args.check}: the permissions table is stale: run make permissions")
            return 1
    else:
        sys.stdout.write(body)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
