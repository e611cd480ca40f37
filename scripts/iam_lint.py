"""make lint's IAM lint: parliament on every policy the template declares, then our own rules.

parliament (https://github.com/duo-labs/parliament) checks each statement against AWS's
database of actions, resource types and condition keys: unknown actions, resources that do
not fit the action, condition keys an action does not take, and its community auditors'
findings. Our rules, which no linter states for us:
- no wildcard action (``*``, ``dynamodb:*``, ``s3:Get*``) and no NotAction/NotResource;
- every ``"Resource": "*"`` is listed with its reason in the resource's Metadata
  (``iam-lint: {star-resources: {ACTION: REASON}}``);
- every skip, checkov's (``checkov: {skip: [{id, comment}]}``) and parliament's
  (``parliament: {skip: [{id, comment}]}``), carries a reason a reviewer can judge, and a
  parliament skip that matches nothing is reported (stale).
Policies are read both with the parameter defaults and with ``FunctionUrlAuthType=NONE``, so
the conditional public permissions are linted too. Exit 1 with one line per finding.

Usage: python scripts/iam_lint.py [infra/template.yaml]
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambda_dataplane.iam import NamedPolicy
from lambda_dataplane.template import TemplateError, load_template
from lambda_dataplane.template_policies import TemplatePolicies, read_template_policies

ROOT = Path(__file__).resolve().parent.parent
MIN_REASON = 20  # characters: "ok" or "n/a" is not a reason
VIEWS: tuple[dict[str, str], ...] = ({}, {"FunctionUrlAuthType": "NONE"})


@dataclass(frozen=True, order=True)
class Finding:
    logical_id: str
    issue: str
    detail: str

    def line(self, template: Path) -> str:
        return f"{template}: {self.logical_id}: {self.issue}: {self.detail}"


def _skips(metadata: Mapping[str, Any], tool: str) -> list[Mapping[str, Any]]:
    return list(((metadata.get(tool) or {}).get("skip")) or [])


def owned_policies(policies: TemplatePolicies) -> Iterator[tuple[str, NamedPolicy]]:
    """(logical id that answers for it, policy): roles, managed policies, and each
    AWS::Lambda::Permission's statement on its own (its Sid is its logical id)."""
    for logical, role in policies.roles.items():
        for policy in role.policies:
            if policy.name.startswith(f"{logical}/"):  # inline; managed ones are linted once
                yield logical, policy
    for logical, managed in policies.managed_policies.items():
        yield logical, managed.policies[0]
    for policy in policies.resource_policies.values():
        for statement in policy.statements():
            sid = str(statement["Sid"])
            yield sid, NamedPolicy(sid, {"Version": "2012-10-17", "Statement": [statement]})


def parliament_findings(logical: str, policy: NamedPolicy) -> list[Finding]:
    with warnings.catch_warnings():
        # parliament 1.6.4 imports pkg_resources (hence setuptools<81 in requirements/dev.in).
        warnings.simplefilter("ignore")
        import parliament

    analyzed = parliament.analyze_policy_string(
        json.dumps(policy.document), include_community_auditors=True
    )
    found = []
    for finding in analyzed.findings:
        parliament.enhance_finding(finding)
        found.append(Finding(logical, finding.issue, f"{finding.severity} {finding.detail}"))
    return found


def own_rule_findings(
    logical: str, policy: NamedPolicy, metadata: Mapping[str, Any]
) -> list[Finding]:
    reasons = (metadata.get("iam-lint") or {}).get("star-resources") or {}
    found = []
    for statement in policy.statements():
        for negated in ("NotAction", "NotResource"):
            if negated in statement:
                found.append(Finding(logical, negated, f"{policy.name}: say what is allowed"))
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else list(actions)
        found.extend(
            Finding(logical, "WILDCARD_ACTION", f"{policy.name}: {action}")
            for action in actions
            if "*" in action
        )
        resources = statement.get("Resource", [])
        if "*" in ([resources] if isinstance(resources, str) else resources):
            found.extend(
                Finding(logical, "STAR_RESOURCE_WITHOUT_REASON", f"{policy.name}: {action}")
                for action in actions
                if len(str(reasons.get(action, "")).strip()) < MIN_REASON
            )
    return found


def skip_reason_findings(template: Mapping[str, Any]) -> list[Finding]:
    found = []
    for logical, body in template["Resources"].items():
        metadata = body.get("Metadata") or {}
        for tool in ("checkov", "parliament"):
            for skip in _skips(metadata, tool):
                if len(str(skip.get("comment") or "").strip()) < MIN_REASON:
                    found.append(
                        Finding(logical, "SKIP_WITHOUT_REASON", f"{tool} {skip.get('id')}")
                    )
    return found


def lint(template_path: Path) -> list[Finding]:
    template = load_template(template_path)
    resources = template["Resources"]
    found: set[Finding] = set(skip_reason_findings(template))
    used: set[tuple[str, str]] = set()
    for view in VIEWS:
        policies = read_template_policies(template_path, parameters=view)
        for logical, policy in owned_policies(policies):
            metadata = resources[logical].get("Metadata") or {}
            skipped = {str(skip.get("id")) for skip in _skips(metadata, "parliament")}
            for finding in parliament_findings(logical, policy):
                if finding.issue in skipped:
                    used.add((logical, finding.issue))
                else:
                    found.add(finding)
            found.update(own_rule_findings(logical, policy, metadata))
    for logical, body in resources.items():
        for skip in _skips(body.get("Metadata") or {}, "parliament"):
            if (logical, str(skip.get("id"))) not in used:
                found.add(Finding(logical, "STALE_SKIP", f"parliament {skip.get('id')}"))
    return sorted(found)


def main(argv: list[str]) -> int:
    template = Path(argv[0]) if argv else ROOT / "infra" / "template.yaml"
    try:
        findings = lint(template)
    except (TemplateError, KeyError, TypeError) as err:
        print(f"iam_lint: cannot read {template}: {err}", file=sys.stderr)
        return 2
    for finding in findings:
        print(finding.line(template))
    if findings:
        print(f"iam_lint: {len(findings)} finding(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
