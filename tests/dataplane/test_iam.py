"""The IAM evaluator against AWS's documented examples (urls-auth, evaluation logic, operators)."""

from __future__ import annotations

import json
import urllib.parse
from datetime import UTC, datetime
from typing import Any

import pytest

from lambda_dataplane.iam import NamedPolicy, Request, evaluate
from lambda_dataplane.url_auth import Caller, authorize_url_call

FN = "arn:aws:lambda:us-east-1:123456789012:function:my-function"
USER = "arn:aws:iam::123456789012:user/device"
NOW = datetime(2026, 11, 21, tzinfo=UTC)


def policy(*statements: dict[str, Any], name: str = "p") -> NamedPolicy:
    return NamedPolicy(name, {"Version": "2012-10-17", "Statement": list(statements)})


# https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html (AWS_IAM, identity-based policy)
URL_STATEMENT = {
    "Effect": "Allow",
    "Action": "lambda:InvokeFunctionUrl",
    "Resource": FN,
    "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}},
}
INVOKE_STATEMENT = {
    "Effect": "Allow",
    "Action": "lambda:InvokeFunction",
    "Resource": FN,
    "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}},
}
# ... and the NONE resource-based policy (urls-auth-none)
PUBLIC = policy(
    {
        **URL_STATEMENT,
        "Principal": "*",
        "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
    },
    {**INVOKE_STATEMENT, "Principal": "*"},
    name="function policy",
)


def url_call(
    policies: list[NamedPolicy], auth: str = "AWS_IAM", resource: NamedPolicy | None = None
) -> Any:
    caller = (
        Caller(USER, "123456789012", "AIDA", "device", policies)
        if auth == "AWS_IAM"
        else Caller(None)
    )
    return authorize_url_call(
        caller,
        function_arn=FN,
        auth_type=auth,
        resource_policy=resource,
        source_ip="127.0.0.1",
        now=NOW,
    )


def test_both_actions_allow_a_signed_url_call() -> None:
    """The documented device policy (both actions, both conditions) allows the URL call."""
    assert url_call([policy(URL_STATEMENT, INVOKE_STATEMENT)]).allowed


def test_missing_invoke_function_is_refused() -> None:
    """Only lambda:InvokeFunctionUrl, as before October 2025: refused, naming the action."""
    decision = url_call([policy(URL_STATEMENT)])
    assert not decision.allowed
    assert "lambda:InvokeFunction on" in decision.reason and "implicitly denied" in decision.reason


def test_wrong_auth_type_condition_is_refused() -> None:
    """A policy for NONE URLs does not let a signed caller through an AWS_IAM URL."""
    wrong = {**URL_STATEMENT, "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}}
    decision = url_call([policy(wrong, INVOKE_STATEMENT)])
    assert not decision.allowed
    assert "lambda:FunctionUrlAuthType" in decision.reason


def test_explicit_deny_wins_over_allow() -> None:
    """An explicit Deny in any policy beats every Allow."""
    deny = {"Sid": "NoInvoke", "Effect": "Deny", "Action": "lambda:*", "Resource": "*"}
    decision = url_call([policy(URL_STATEMENT, INVOKE_STATEMENT), policy(deny, name="guard")])
    assert not decision.allowed
    assert "explicitly denied by guard statement 'NoInvoke'" in decision.reason


def test_direct_invoke_is_refused_by_the_url_only_condition() -> None:
    """The device key cannot call Invoke directly: lambda:InvokedViaFunctionUrl is not true."""
    request = Request(USER, "lambda:InvokeFunction", FN, {})
    assert not evaluate(request, identity_policies=[policy(URL_STATEMENT, INVOKE_STATEMENT)])


def test_resource_policy_alone_allows_a_same_account_caller() -> None:
    """Same account: an Allow in the resource-based policy is enough without identity policy."""
    resource = policy(
        {**URL_STATEMENT, "Principal": {"AWS": USER}},
        {**INVOKE_STATEMENT, "Principal": {"AWS": USER}},
    )
    assert url_call([], resource=resource).allowed


def test_none_auth_public_policy_allows_anonymous() -> None:
    """NONE with the documented public resource policy: anyone may call."""
    assert url_call([], auth="NONE", resource=PUBLIC).allowed


def test_none_auth_without_invoke_function_is_refused() -> None:
    """NONE with only the old InvokeFunctionUrl permission: refused."""
    only_url = policy(PUBLIC.statements()[0])
    assert not url_call([], auth="NONE", resource=only_url).allowed


def test_none_auth_without_resource_policy_is_refused() -> None:
    """NONE and no resource policy at all: nobody may call."""
    assert not url_call([], auth="NONE", resource=None).allowed


def test_actions_match_case_insensitively_with_wildcards() -> None:
    """Action names are case-insensitive and take wildcards; resources are case-sensitive."""
    allow = policy(
        {
            "Effect": "Allow",
            "Action": "Lambda:Invoke*",
            "Resource": "arn:aws:lambda:*:*:function:my-*",
        }
    )
    assert evaluate(Request(USER, "lambda:InvokeFunction", FN), identity_policies=[allow])
    assert not evaluate(
        Request(USER, "lambda:InvokeFunction", FN.upper()), identity_policies=[allow]
    )


def test_not_action_and_not_resource() -> None:
    """NotAction/NotResource apply to everything except what they list."""
    allow = policy(
        {
            "Effect": "Allow",
            "NotAction": "iam:*",
            "NotResource": "arn:aws:lambda:*:*:function:secret",
        }
    )
    assert evaluate(
        Request(USER, "dynamodb:Query", "arn:aws:dynamodb:us-east-1:1:table/t"),
        identity_policies=[allow],
    )
    assert not evaluate(Request(USER, "iam:CreateUser", "*"), identity_policies=[allow])


@pytest.mark.parametrize(
    ("condition", "context", "allowed"),
    [
        ({"StringNotEquals": {"aws:username": "bob"}}, {}, True),  # negated, key absent: true
        ({"StringEquals": {"aws:username": "bob"}}, {}, False),  # positive, key absent: false
        ({"StringEqualsIfExists": {"aws:username": "bob"}}, {}, True),
        ({"Null": {"aws:username": "true"}}, {}, True),
        (
            {"StringLike": {"AWS:UserName": "dev*"}},
            {"aws:username": "device"},
            True,
        ),  # keys ignore case
        ({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, {"aws:SourceIp": "127.0.0.1"}, True),
        ({"NumericLessThan": {"aws:EpochTime": "100"}}, {"aws:EpochTime": "200"}, False),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["b", "a"]}, True),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["b", "a"]}, False),
        (
            {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/dev*"}},
            {"aws:PrincipalArn": USER},
            True,
        ),
    ],
)
def test_condition_operators(
    condition: dict[str, Any], context: dict[str, Any], allowed: bool
) -> None:
    """Each operator as the IAM condition operator reference describes it."""
    allow = policy(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition}
    )
    assert (
        bool(evaluate(Request(USER, "s3:GetObject", "*", context), identity_policies=[allow]))
        is allowed
    )


def test_unknown_operator_refuses_with_a_reason() -> None:
    """An operator the local evaluator does not know denies, and says so, rather than allowing."""
    allow = policy(
        {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Mystery": {"k": "v"}}}
    )
    decision = evaluate(Request(USER, "s3:GetObject", "*"), identity_policies=[allow])
    assert not decision.allowed and "not supported locally" in decision.reason


def test_failed_condition_on_allow_is_not_an_explicit_deny() -> None:
    """A condition that fails makes its Allow not apply; another Allow still allows."""
    conditional = {
        "Effect": "Allow",
        "Action": "*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
    }
    plain = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    request = Request(USER, "s3:GetObject", "*", {"aws:SecureTransport": "false"})
    assert evaluate(request, identity_policies=[policy(conditional), policy(plain)])


def test_policy_text_from_the_iam_api_is_read() -> None:
    """Documents come URL-encoded from some IAM APIs and as JSON text from others."""
    encoded = urllib.parse.quote(json.dumps({"Statement": [{"Effect": "Allow", "Action": "*"}]}))
    assert NamedPolicy.parse("p", encoded).statements()[0]["Effect"] == "Allow"
