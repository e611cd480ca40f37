"""Who may call a Function URL: both lambda:InvokeFunctionUrl and lambda:InvokeFunction.

https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html: since October 2025 a Function URL
needs both actions. AWS_IAM: the caller's identity policies or the function's resource-based
policy must allow each; NONE: the resource-based policy alone decides, for an anonymous caller.
The request context carries the keys Lambda documents for these actions
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html):
``lambda:FunctionUrlAuthType`` and, for InvokeFunction, ``lambda:InvokedViaFunctionUrl``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from lambda_dataplane.iam import Decision, NamedPolicy, Request, evaluate

URL_ACTIONS = ("lambda:InvokeFunctionUrl", "lambda:InvokeFunction")


@dataclass(frozen=True)
class Caller:
    """A verified signer (AWS_IAM) or nobody in particular (NONE: arn None)."""

    arn: str | None
    account_id: str | None = None
    user_id: str | None = None
    user_name: str | None = None
    policies: Sequence[NamedPolicy] = ()


def global_context(caller: Caller, *, source_ip: str, now: datetime) -> dict[str, str]:
    """aws:* keys present in every request (those a local stack can know)."""
    context = {
        "aws:SourceIp": source_ip,
        "aws:CurrentTime": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now.timestamp())),
        # Plain HTTP locally; AWS's URLs are HTTPS only. A policy that requires TLS is refused
        # here and allowed there: the safe direction.
        "aws:SecureTransport": "false",
        "aws:PrincipalType": "User" if caller.arn else "Anonymous",
    }
    if caller.arn:
        context["aws:PrincipalArn"] = caller.arn
    if caller.account_id:
        context["aws:PrincipalAccount"] = caller.account_id
    if caller.user_id:
        context["aws:userid"] = caller.user_id
    if caller.user_name:
        context["aws:username"] = caller.user_name
    return context


def authorize_url_call(
    caller: Caller,
    *,
    function_arn: str,
    auth_type: str,
    resource_policy: NamedPolicy | None,
    source_ip: str,
    now: datetime | None = None,
) -> Decision:
    """Allowed only if both actions are; otherwise the first refusal and its reason."""
    base = global_context(caller, source_ip=source_ip, now=now or datetime.now(UTC))
    base["lambda:FunctionUrlAuthType"] = auth_type
    decisions = []
    for action in URL_ACTIONS:
        context = dict(base)
        if action == "lambda:InvokeFunction":
            context["lambda:InvokedViaFunctionUrl"] = "true"
        decision = evaluate(
            Request(caller.arn, action, function_arn, context),
            identity_policies=caller.policies,
            resource_policy=resource_policy,
        )
        if not decision.allowed:
            who = caller.arn or "an anonymous caller"
            return Decision(False, f"{who}: {decision.reason}")
        decisions.append(decision.reason)
    return Decision(True, "; ".join(decisions))
