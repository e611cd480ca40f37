"""The IAM policies a CloudFormation template declares, resolved without deploying it.

For reviewing a stack before it exists (an IAM lint, a table of who may do what, tests that
prove least privilege with :func:`lambda_dataplane.iam.evaluate`): every role's inline and
attached policies, every ``AWS::IAM::ManagedPolicy`` and each function's resource-based policy
(its ``AWS::Lambda::Permission`` resources, as ``permissions.py`` builds it for the local
Function URL). Intrinsics are resolved by the same :class:`~lambda_dataplane.template.Resolver`
the data plane uses, with the template's parameter defaults (or the values given) and stand-in
physical names shaped like CloudFormation's: ``<stack>-<LogicalId>-STANDIN`` unless the
template names the resource. Resources whose ``Condition`` is false do not exist.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambda_dataplane.iam import NamedPolicy
from lambda_dataplane.permissions import resource_policy
from lambda_dataplane.template import Resolver, TemplateError, load_template

# Types whose policies this module reads; another IAM type would be a policy it cannot see.
_UNSUPPORTED = ("AWS::IAM::Policy", "AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::UserToGroup")
# The property that names a resource, where the template may set it.
_NAME_PROPERTY = {
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::Events::Rule": "Name",
}
STREAM_LABEL = "2026-01-01T00:00:00.000"


@dataclass(frozen=True)
class Principal:
    """A role, or a managed policy seen as the identity that has only it attached."""

    logical_id: str
    arn: str
    policies: tuple[NamedPolicy, ...]
    trust: NamedPolicy | None = None  # a role's AssumeRolePolicyDocument


@dataclass(frozen=True)
class TemplatePolicies:
    stack_name: str
    account_id: str
    region: str
    roles: Mapping[str, Principal]  # by the role's logical id
    managed_policies: Mapping[str, Principal]  # by the policy's logical id
    resource_policies: Mapping[str, NamedPolicy]  # by the function's logical id
    arns: Mapping[str, str]  # every created resource's ARN, by logical id
    template: Mapping[str, Any] = field(repr=False, default_factory=dict)

    def arn(self, logical_id: str) -> str:
        if logical_id not in self.arns:
            raise TemplateError(f"{logical_id} has no ARN (not in the template, or not created)")
        return self.arns[logical_id]


def read_template_policies(
    path: Path,
    *,
    stack_name: str = "stack",
    parameters: Mapping[str, str] | None = None,
    account_id: str = "123456789012",
    region: str = "us-east-1",
) -> TemplatePolicies:
    """Every policy of the template at ``path`` as it would be deployed with ``parameters``."""
    return _Reading(load_template(path), stack_name, dict(parameters or {}), account_id, region)()


class _Reading:
    def __init__(
        self,
        template: dict[str, Any],
        stack: str,
        parameters: dict[str, str],
        account: str,
        region: str,
    ) -> None:
        self.template, self.stack, self.account, self.region = template, stack, account, region
        defaults = {
            name: str(spec["Default"])
            for name, spec in (template.get("Parameters") or {}).items()
            if "Default" in spec
        }
        missing = set(template.get("Parameters") or {}) - set(defaults) - set(parameters)
        # Parameters without a default (image URIs) name no policy resource: any value will do.
        self.parameters = {**{name: f"STANDIN-{name}" for name in missing}, **defaults}
        self.parameters.update(parameters)
        self.pseudo = {
            "AWS::StackName": stack,
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{account}:stack/{stack}/STANDIN",
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        self.resources: dict[str, dict[str, Any]] = template["Resources"]
        self.names: dict[str, str] = {}
        self.resolver = Resolver(
            template,
            parameters=self.parameters,
            pseudo=self.pseudo,
            physical_ids={},
            attribute=self._attribute,
        )

    def __call__(self) -> TemplatePolicies:
        for logical, body in self.resources.items():
            if body.get("Type") in _UNSUPPORTED:
                raise TemplateError(f"{logical}: {body['Type']} is not read by this module")
        created = [
            logical
            for logical, body in self.resources.items()
            if not body.get("Condition") or self.resolver.condition(str(body["Condition"]))
        ]
        # Names first (they use only parameters), then everything that refers to them.
        for logical in created:
            self.names[logical] = self._name(logical)
        self.resolver = Resolver(
            self.template,
            parameters=self.parameters,
            pseudo=self.pseudo,
            physical_ids={logical: self._ref(logical) for logical in created},
            attribute=self._attribute,
        )
        arns = {logical: arn for logical in created if (arn := self._arn(logical))}
        managed = {
            logical: Principal(
                logical,
                arns[logical],
                (NamedPolicy(logical, self.resolver.properties(logical)["PolicyDocument"]),),
            )
            for logical in created
            if self.resources[logical]["Type"] == "AWS::IAM::ManagedPolicy"
        }
        roles = {
            logical: self._role(logical, managed)
            for logical in created
            if self.resources[logical]["Type"] == "AWS::IAM::Role"
        }
        return TemplatePolicies(
            self.stack,
            self.account,
            self.region,
            roles,
            managed,
            self._resource_policies(created, arns),
            arns,
            self.template,
        )

    def _name(self, logical: str) -> str:
        body = self.resources[logical]
        prop = _NAME_PROPERTY.get(str(body.get("Type")))
        given = (body.get("Properties") or {}).get(prop) if prop else None
        return str(self.resolver.resolve(given)) if given else f"{self.stack}-{logical}-STANDIN"

    def _path(self, logical: str) -> str:
        path = (self.resources[logical].get("Properties") or {}).get("Path", "/")
        return str(self.resolver.resolve(path))

    def _ref(self, logical: str) -> str:
        """What ``Ref`` returns for each type (the resource type reference's Return values)."""
        kind, name = self.resources[logical]["Type"], self.names[logical]
        if kind == "AWS::SNS::Topic":
            return f"arn:aws:sns:{self.region}:{self.account}:{name}"
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{self.account}/{name}"
        if kind == "AWS::IAM::ManagedPolicy":
            return f"arn:aws:iam::{self.account}:policy{self._path(logical)}{name}"
        return name

    def _arn(self, logical: str) -> str | None:
        kind, name = self.resources[logical]["Type"], self.names[logical]
        prefix = f"arn:aws:{{}}:{self.region}:{self.account}:"
        arns = {
            "AWS::DynamoDB::Table": prefix.format("dynamodb") + f"table/{name}",
            "AWS::Lambda::Function": prefix.format("lambda") + f"function:{name}",
            "AWS::SQS::Queue": prefix.format("sqs") + name,
            "AWS::Events::Rule": prefix.format("events") + f"rule/{name}",
            "AWS::Logs::LogGroup": prefix.format("logs") + f"log-group:{name}:*",
            "AWS::IAM::Role": f"arn:aws:iam::{self.account}:role{self._path(logical)}{name}",
        }
        if kind in ("AWS::SNS::Topic", "AWS::IAM::ManagedPolicy"):
            return self._ref(logical)
        return arns.get(kind)

    def _attribute(self, logical: str, attribute: str) -> Any:
        if logical not in self.names:
            raise TemplateError(f"Fn::GetAtt {logical}.{attribute}: {logical} is not created")
        if attribute == "Arn":
            arn = self._arn(logical)
            if arn:
                return arn
        kind = self.resources[logical]["Type"]
        if kind == "AWS::DynamoDB::Table" and attribute == "StreamArn":
            return f"{self._arn(logical)}/stream/{STREAM_LABEL}"
        if kind == "AWS::SQS::Queue" and attribute == "QueueName":
            return self.names[logical]
        raise TemplateError(f"Fn::GetAtt {logical}.{attribute} ({kind}) is not supported")

    def _role(self, logical: str, managed: Mapping[str, Principal]) -> Principal:
        props = self.resolver.properties(logical)
        policies = [
            NamedPolicy(f"{logical}/{item['PolicyName']}", item["PolicyDocument"])
            for item in props.get("Policies") or []
        ]
        by_arn = {principal.arn: principal for principal in managed.values()}
        for arn in props.get("ManagedPolicyArns") or []:
            if arn not in by_arn:
                # An AWS managed policy's document is not in the template: say so, never guess.
                raise TemplateError(f"{logical}: managed policy {arn} is not in the template")
            policies.extend(by_arn[arn].policies)
        trust = NamedPolicy(f"{logical} trust policy", props["AssumeRolePolicyDocument"])
        return Principal(logical, self._arn(logical) or "", tuple(policies), trust)

    def _resource_policies(
        self, created: list[str], arns: Mapping[str, str]
    ) -> dict[str, NamedPolicy]:
        by_function: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        names = {
            self.names[logical]: logical
            for logical in created
            if self.resources[logical]["Type"] == "AWS::Lambda::Function"
        }
        for logical in created:
            if self.resources[logical]["Type"] != "AWS::Lambda::Permission":
                continue
            props = self.resolver.properties(logical)
            target = str(props["FunctionName"]).split(":function:", 1)[-1].split(":", 1)[0]
            if target not in names:
                raise TemplateError(f"{logical}: function {target!r} is not in the template")
            by_function.setdefault(names[target], []).append((logical, props))
        policies = {}
        for function, permissions in by_function.items():
            policy = resource_policy(
                permissions,
                function_arn=arns[function],
                name=f"resource-based policy of {self.names[function]}",
            )
            if policy is not None:
                policies[function] = policy
        return policies
