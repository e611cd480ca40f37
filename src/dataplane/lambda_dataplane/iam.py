"""May principal P do action A on resource R with context C? IAM's answer, with the reason.

Evaluation for a caller in the resource's own account, as AWS documents it
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
an explicit Deny in any policy wins; otherwise an Allow in an identity-based policy *or* in the
resource-based policy allows; otherwise the request is implicitly denied. Anonymous callers
(Function URL auth NONE) have no identity policies: only resource-policy statements whose
Principal is ``*`` can allow them.

Why not moto's evaluator (moto/iam/access_control.py, 5.2): it evaluates only StringEquals
conditions and ignores every other operator (Bool among them) as if it held, passes a
condition whose key is absent, turns a failed condition on an Allow statement into an explicit
Deny, matches actions case-sensitively and knows no NotResource. Each of those would make
this stack say yes (or no) where AWS says the opposite, so the rules are stated here, small,
and tested against AWS's documented examples (tests/dataplane/test_iam.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lambda_dataplane.iam_conditions import Context, PolicyError, condition_failure, wildcard

__all__ = ["Decision", "NamedPolicy", "PolicyError", "Request", "evaluate"]


@dataclass(frozen=True)
class NamedPolicy:
    """A policy document and where it came from (shown in reasons)."""

    name: str
    document: Mapping[str, Any]

    @classmethod
    def parse(cls, name: str, document: str | Mapping[str, Any]) -> NamedPolicy:
        """From JSON text (as IAM's API returns it, possibly URL-encoded) or a parsed dict."""
        if isinstance(document, str):
            from urllib.parse import unquote

            text = document if document.lstrip().startswith("{") else unquote(document)
            return cls(name, json.loads(text))
        return cls(name, document)

    def statements(self) -> list[Mapping[str, Any]]:
        body = self.document.get("Statement", [])
        items = body if isinstance(body, list) else [body]
        if not all(isinstance(item, Mapping) for item in items):
            raise PolicyError(f"{self.name}: Statement must be objects")
        return items


@dataclass(frozen=True)
class Request:
    """One authorization question. principal: the caller's ARN, None when anonymous."""

    principal: str | None
    action: str
    resource: str
    context: Context = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def _listed(statement: Mapping[str, Any], key: str) -> list[str]:
    value = statement[key]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _matches(statement: Mapping[str, Any], element: str, value: str, *, ignore_case: bool) -> bool:
    """Action/NotAction or Resource/NotResource; a statement without either applies to all."""
    if element in statement:
        return any(wildcard(p, value, ignore_case=ignore_case) for p in _listed(statement, element))
    negated = "Not" + element
    if negated in statement:
        return not any(
            wildcard(p, value, ignore_case=ignore_case) for p in _listed(statement, negated)
        )
    return element == "Resource"  # trust policies have no Resource


def _principal_matches(statement: Mapping[str, Any], principal: str | None) -> bool:
    """Resource-policy Principal: "*" (anyone, anonymous too), or the caller's own ARN."""
    if "NotPrincipal" in statement:
        return principal is not None and principal not in _principal_values(
            statement["NotPrincipal"]
        )
    if "Principal" not in statement:
        raise PolicyError("a resource-based policy statement needs a Principal")
    values = _principal_values(statement["Principal"])
    return "*" in values or (principal is not None and principal in values)


def _principal_values(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, Mapping):
        found: set[str] = set()
        for kind, names in value.items():
            items = names if isinstance(names, list) else [names]
            # {"AWS": "*"} is everyone; service principals never match a user's ARN.
            found |= {str(n) for n in items if kind == "AWS" or str(n) == "*"}
        return found
    raise PolicyError(f"unreadable Principal {value!r}")


def _label(policy: NamedPolicy, index: int, statement: Mapping[str, Any]) -> str:
    sid = statement.get("Sid")
    return f"{policy.name} statement {sid!r}" if sid else f"{policy.name} statement #{index + 1}"


@dataclass
class _Findings:
    allows: list[str] = field(default_factory=list)
    denies: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)  # action and resource matched, condition not


def _scan(
    policies: Iterable[NamedPolicy], request: Request, findings: _Findings, *, resource_based: bool
) -> None:
    for policy in policies:
        for index, statement in enumerate(policy.statements()):
            effect = statement.get("Effect")
            if effect not in ("Allow", "Deny"):
                raise PolicyError(f"{_label(policy, index, statement)}: Effect is {effect!r}")
            if resource_based and not _principal_matches(statement, request.principal):
                continue
            if not _matches(statement, "Action", request.action, ignore_case=True):
                continue
            if not _matches(statement, "Resource", request.resource, ignore_case=False):
                continue
            label = _label(policy, index, statement)
            failed = condition_failure(statement.get("Condition") or {}, request.context)
            if failed is not None:
                findings.misses.append(f"{label}: {failed}")
            elif effect == "Deny":
                findings.denies.append(label)
            else:
                findings.allows.append(label)


def evaluate(
    request: Request,
    *,
    identity_policies: Sequence[NamedPolicy] = (),
    resource_policy: NamedPolicy | None = None,
) -> Decision:
    """The decision for a same-account (or anonymous) caller, and the statements behind it."""
    findings = _Findings()
    try:
        if request.principal is not None:
            _scan(identity_policies, request, findings, resource_based=False)
        if resource_policy is not None:
            _scan([resource_policy], request, findings, resource_based=True)
    except PolicyError as err:
        return Decision(False, f"{request.action} denied: cannot evaluate the policy: {err}")
    what = f"{request.action} on {request.resource}"
    if findings.denies:
        return Decision(False, f"{what} explicitly denied by {findings.denies[0]}")
    if findings.allows:
        return Decision(True, f"{what} allowed by {findings.allows[0]}")
    places = "resource-based policy" if request.principal is None else "identity-based policy"
    if request.principal is not None:
        places += " or resource-based policy"
    detail = f"; {findings.misses[0]}" if findings.misses else ""
    return Decision(False, f"{what} implicitly denied: no {places} allows it{detail}")
