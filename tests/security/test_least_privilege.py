"""Least privilege, proved: each identity of the template, evaluated as the local stack does.

The policies are read from infra/template.yaml with their intrinsics resolved
(lambda_dataplane.template_policies) and evaluated by lambda_dataplane.iam, the evaluation
behind the local Function URL; a URL call goes through url_auth.authorize_url_call, the very
check the URL guard makes. "Exactly" tests evaluate every action of ten services on every
resource of the stack, "*" and foreign ones, so a grant nobody expected fails them.
test_deployed_policies.py shows the local stack deploys these same documents.
"""

from __future__ import annotations

import pytest

from lambda_dataplane.template import load_template
from tests.security.stack_policies import (
    DEVICE_ARN,
    TEMPLATE,
    URL,
    Who,
    all_policies,
    arn,
    decide,
    device,
    every_grant,
    log_stream,
    role,
    stack,
    table,
    url_call,
)

STRANGER = Who("anyone", None)


def test_device_may_call_the_ingest_url() -> None:
    """A device key passes both actions of the ingest Function URL (AWS_IAM auth)."""
    decision = url_call(device(), "IngestFunction")
    assert decision.allowed, decision.reason


def test_device_may_not_invoke_the_ingest_function_directly() -> None:
    """lambda:InvokeFunction without the URL's context keys is refused."""
    decision = decide(device(), "lambda:InvokeFunction", arn("IngestFunction"))
    assert not decision.allowed
    assert "lambda:InvokedViaFunctionUrl" in decision.reason


@pytest.mark.parametrize("function", ["StreamFunction", "HealthFunction"])
def test_device_may_not_call_the_other_functions(function: str) -> None:
    """Neither through a URL nor directly may a device run the stream or health function."""
    assert not url_call(device(), function).allowed
    assert not decide(device(), "lambda:InvokeFunction", arn(function), URL).allowed


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("dynamodb:GetItem", table()),
        ("dynamodb:PutItem", table()),
        ("dynamodb:Query", table()),
        ("dynamodb:Scan", table()),
        ("iam:CreateAccessKey", DEVICE_ARN),
        ("iam:AttachUserPolicy", DEVICE_ARN),
        ("iam:ListUsers", "*"),
        ("sns:Publish", arn("AlertTopic")),
        ("sqs:SendMessage", arn("FailureQueue")),
        ("lambda:UpdateFunctionCode", arn("IngestFunction")),
        ("lambda:GetFunction", arn("IngestFunction")),
    ],
)
def test_device_may_not(action: str, resource: str) -> None:
    """No DynamoDB, IAM (not even its own keys), SNS, SQS or Lambda control plane."""
    assert not decide(device(), action, resource).allowed


def test_device_may_do_exactly_the_url_call() -> None:
    """Everything a device key allows: the two URL actions on the ingest function."""
    assert every_grant(device()) == {
        ("IngestFunction", "lambda:InvokeFunction", "url"),
        ("IngestFunction", "lambda:InvokeFunctionUrl", "url"),
    }


@pytest.mark.parametrize(
    "action",
    ["dynamodb:DeleteItem", "dynamodb:Scan", "dynamodb:BatchWriteItem", "dynamodb:UpdateItem",
     "dynamodb:Query", "dynamodb:DeleteTable", "dynamodb:UpdateTable"],
)  # fmt: skip
def test_ingest_role_may_not_delete_scan_or_rewrite(action: str) -> None:
    """The ingest role cannot delete, scan, batch-write, update or query the table."""
    for resource in (table(), table("/index/DeviceStatusIndex"), "*"):
        assert not decide(role("IngestFunctionRole"), action, resource).allowed


def own_log_group(group: str) -> set[tuple[str, str, str]]:
    """What every function's role may do with its own log group: create streams, put events."""
    return {(group, "logs:CreateLogStream", ""), (group, "logs:PutLogEvents", "")}


def test_ingest_role_may_do_exactly_its_job() -> None:
    """Put and get items of the table, and write its own log group: nothing else."""
    assert every_grant(role("IngestFunctionRole")) == {
        ("ReadingsTable", "dynamodb:GetItem", ""),
        ("ReadingsTable", "dynamodb:PutItem", ""),
        *own_log_group("IngestLogGroup"),
    }


def test_stream_role_may_do_exactly_its_job() -> None:
    """Read the stream; read and write items by key (rollups, status, alerts: IAM cannot tell
    them from readings in one table, see docs/security.md); publish; dead-letter; log."""
    item_writes = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    reads = {"dynamodb:GetItem", "dynamodb:Query"}
    assert every_grant(role("StreamFunctionRole")) == {
        *(("ReadingsTable", action, "") for action in item_writes | reads),
        *(
            ("ReadingsTable/stream", f"dynamodb:{action}", "")
            for action in ("DescribeStream", "GetRecords", "GetShardIterator")
        ),
        ("*", "dynamodb:ListStreams", ""),
        ("AlertTopic", "sns:Publish", ""),
        ("FailureQueue", "sqs:SendMessage", ""),
        *own_log_group("StreamLogGroup"),
    }


@pytest.mark.parametrize(
    "action",
    ["dynamodb:Scan", "dynamodb:BatchWriteItem", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete",
     "dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:UpdateTimeToLive",
     "dynamodb:RestoreTableToPointInTime"],
)  # fmt: skip
def test_stream_role_may_not_scan_batch_or_change_the_table(action: str) -> None:
    """No Scan, no batch or PartiQL writes, no table settings (TTL, backups, deletion)."""
    assert not decide(role("StreamFunctionRole"), action, table()).allowed


def test_health_role_may_do_exactly_its_job() -> None:
    """One Query on the status index, items by key without delete, publish, log."""
    assert every_grant(role("HealthFunctionRole")) == {
        ("ReadingsTable/index", "dynamodb:Query", ""),
        ("ReadingsTable", "dynamodb:GetItem", ""),
        ("ReadingsTable", "dynamodb:PutItem", ""),
        ("ReadingsTable", "dynamodb:UpdateItem", ""),
        ("AlertTopic", "sns:Publish", ""),
        *own_log_group("HealthLogGroup"),
    }


@pytest.mark.parametrize(
    ("action", "resource"),
    [("dynamodb:DeleteItem", table()), ("dynamodb:Scan", table()),
     ("dynamodb:Query", table()), ("dynamodb:BatchWriteItem", table())],
)  # fmt: skip
def test_health_role_may_not_delete_or_scan(action: str, resource: str) -> None:
    """The health check deletes nothing and reads the table only through the status index."""
    assert not decide(role("HealthFunctionRole"), action, resource).allowed


def test_roles_may_not_write_each_others_logs() -> None:
    """Each function writes only its own log group."""
    assert not decide(
        role("IngestFunctionRole"), "logs:PutLogEvents", log_stream("StreamLogGroup")
    ).allowed


def test_stranger_gets_nothing_when_the_url_needs_signatures() -> None:
    """AWS_IAM auth (the default): an unsigned caller may do nothing at all."""
    assert not url_call(STRANGER, "IngestFunction").allowed
    assert every_grant(STRANGER) == set()


def test_stranger_may_call_only_the_ingest_url_under_none_auth() -> None:
    """NONE auth gives anyone the ingest URL, and still not a direct Invoke or anything else."""
    assert url_call(STRANGER, "IngestFunction", "NONE").allowed
    assert every_grant(STRANGER, "NONE") == {
        ("IngestFunction", "lambda:InvokeFunction", "url"),
        ("IngestFunction", "lambda:InvokeFunctionUrl", "url"),
    }


@pytest.mark.parametrize(
    "logical", ["IngestFunctionRole", "StreamFunctionRole", "HealthFunctionRole"]
)
def test_roles_trust_only_lambda(logical: str) -> None:
    """Only the Lambda service may act as a function's role: no user, no device."""
    trust = stack().roles[logical].trust
    assert trust is not None
    principals = [s.get("Principal") for s in trust.statements()]
    assert principals == [{"Service": "lambda.amazonaws.com"}]
    assert not decide(Who("device", DEVICE_ARN), "sts:AssumeRole", arn(logical)).allowed


def test_no_policy_allows_a_wildcard_action() -> None:
    """No Action holds a "*" (nor is NotAction used) in any policy, in either auth mode."""
    for policy in all_policies():
        for statement in policy.statements():
            actions = statement.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            assert "NotAction" not in statement, policy.name
            assert not [a for a in actions if "*" in a], policy.name


def test_every_star_resource_has_a_reason() -> None:
    """Each action allowed on "*" is listed, with a reason, in its resource's Metadata."""
    template = load_template(TEMPLATE)
    for logical, principal in stack().roles.items():
        reasons = (template["Resources"][logical].get("Metadata") or {}).get("iam-lint", {})
        for policy in principal.policies:
            for statement in policy.statements():
                if statement.get("Resource") in ("*", ["*"]):
                    actions = statement["Action"]
                    for action in [actions] if isinstance(actions, str) else actions:
                        assert len(reasons["star-resources"][action]) > 40, (logical, action)
