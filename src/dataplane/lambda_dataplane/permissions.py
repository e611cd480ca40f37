"""A function's resource-based policy, built from ``AWS::Lambda::Permission`` properties.

Each permission becomes the statement Lambda's AddPermission writes
(https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html): ``Principal`` "*",
an account, an ARN or a service; ``FunctionUrlAuthType`` as a ``lambda:FunctionUrlAuthType``
condition; ``InvokedViaFunctionUrl`` as ``lambda:InvokedViaFunctionUrl``; ``SourceArn``,
``SourceAccount`` and ``PrincipalOrgID`` as their global keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lambda_dataplane.iam import NamedPolicy


def _principal(value: str) -> Any:
    if value == "*":
        return "*"
    if value.endswith(".amazonaws.com"):
        return {"Service": value}
    if value.isdigit():
        return {"AWS": f"arn:aws:iam::{value}:root"}
    return {"AWS": value}


def _flag(value: Any) -> bool:
    return value.strip().lower() == "true" if isinstance(value, str) else bool(value)


def statement_from_permission(
    sid: str, props: Mapping[str, Any], *, function_arn: str
) -> dict[str, Any]:
    condition: dict[str, dict[str, str]] = {}
    if props.get("FunctionUrlAuthType"):
        condition.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = str(
            props["FunctionUrlAuthType"]
        )
    if _flag(props.get("InvokedViaFunctionUrl", False)):
        condition.setdefault("Bool", {})["lambda:InvokedViaFunctionUrl"] = "true"
    if props.get("SourceAccount"):
        condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = str(props["SourceAccount"])
    if props.get("PrincipalOrgID"):
        condition.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = str(
            props["PrincipalOrgID"]
        )
    if props.get("SourceArn"):
        condition.setdefault("ArnLike", {})["AWS:SourceArn"] = str(props["SourceArn"])
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": _principal(str(props["Principal"])),
        "Action": str(props["Action"]),
        "Resource": function_arn,
    }
    if condition:
        statement["Condition"] = condition
    return statement


def resource_policy(
    permissions: Sequence[tuple[str, Mapping[str, Any]]], *, function_arn: str, name: str
) -> NamedPolicy | None:
    """The policy of all (logical id, properties) permissions, or None if there are none."""
    if not permissions:
        return None
    statements = [
        statement_from_permission(sid, props, function_arn=function_arn)
        for sid, props in permissions
    ]
    return NamedPolicy(name, {"Version": "2012-10-17", "Id": "default", "Statement": statements})
