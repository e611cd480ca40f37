"""Effective permissions: every (action, resource) a principal may use, by evaluation.

Reading a policy says what it mentions; evaluating says what it allows. :func:`grants` asks
:func:`lambda_dataplane.iam.evaluate`, the evaluation the local Function URL and Lambda API
use, about every action of a given universe on every resource of a given list, under each
of a list of request contexts in turn (e.g. a direct call, then a call through a Function
URL), and keeps the first context under which each pair is allowed. A grant that appears
under no context is not there: the answer is complete for the universe asked about, which
is why callers should ask about whole services, not about the actions they expect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from lambda_dataplane.iam import NamedPolicy, Request, evaluate
from lambda_dataplane.iam_conditions import Context
from lambda_dataplane.url_auth import Caller, global_context

# A fixed moment, so that a table of grants is the same on every run.
EVALUATED_AT = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Who:
    """A principal: its ARN (None: an anonymous caller) and its identity policies."""

    name: str
    arn: str | None
    policies: tuple[NamedPolicy, ...] = ()


@dataclass(frozen=True)
class Situation:
    """A named request context, e.g. ("through the Function URL", {lambda:... keys})."""

    name: str
    keys: Mapping[str, str]


@dataclass(frozen=True, order=True)
class Grant:
    resource: str
    action: str
    situation: str  # the first situation under which it is allowed ("" for the plain one)
    reason: str = ""


def base_context(who: Who, *, source_ip: str = "198.51.100.7") -> Context:
    """The aws:* keys of a request by ``who`` (a documentation address as the caller's IP)."""
    user = who.arn.rsplit("/", 1)[-1] if who.arn and ":user/" in who.arn else None
    caller = Caller(who.arn, who.arn.split(":")[4] if who.arn else None, None, user)
    return global_context(caller, source_ip=source_ip, now=EVALUATED_AT)


def grants(
    who: Who,
    *,
    actions: Iterable[str],
    resources: Sequence[str],
    resource_policies: Mapping[str, NamedPolicy] | None = None,
    situations: Sequence[Situation] = (Situation("", {}),),
) -> list[Grant]:
    """Every allowed (resource, action) of ``actions`` x ``resources``, sorted.

    resource_policies: resource ARN -> its resource-based policy (a function's permissions).
    """
    policies = resource_policies or {}
    base = base_context(who)
    found = []
    for action in sorted(set(actions)):
        for resource in resources:
            for situation in situations:
                decision = evaluate(
                    Request(who.arn, action, resource, {**base, **situation.keys}),
                    identity_policies=who.policies,
                    resource_policy=policies.get(resource),
                )
                if decision.allowed:
                    found.append(Grant(resource, action, situation.name, decision.reason))
                    break
    return sorted(found)
