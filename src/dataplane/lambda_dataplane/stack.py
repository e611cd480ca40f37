"""What to run, read from the deployed stack, the emulator's Lambda API and the template.

Settings live only in the template: the Function URL and the stream event source
mapping are declared there (behind a condition that keeps the emulator from creating
them), and this module evaluates their properties against the stack's parameters and
resources. Functions come from ``GetFunction`` (image, command, environment, limits).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lambda_dataplane.config import FunctionConfig
from lambda_dataplane.errors import DataplaneError
from lambda_dataplane.iam import NamedPolicy
from lambda_dataplane.permissions import resource_policy
from lambda_dataplane.schedules import ScheduleSpec, rate_seconds
from lambda_dataplane.stream_config import StreamMappingConfig
from lambda_dataplane.template import NO_VALUE, Resolver, TemplateError, load_template

log = logging.getLogger(__name__)
ClientFactory = Callable[[str], Any]
# The parameter values that make a template describe the stack as deployed on AWS, used to
# decide which conditional AWS::Lambda::Permission resources the local URL must honour.
AWS_VIEW_PARAMETERS = {"LocalDataPlane": "false"}


class StackError(DataplaneError, RuntimeError):
    """The stack is missing, not deployed, or does not match the template."""


@dataclass(frozen=True)
class UrlSpec:
    """An ``AWS::Lambda::Url`` to serve."""

    logical_id: str
    function: FunctionConfig
    auth_type: str
    # The function's resource-based policy (its AWS::Lambda::Permission resources).
    resource_policy: NamedPolicy | None = None


@dataclass(frozen=True)
class MappingSpec:
    """An ``AWS::Lambda::EventSourceMapping`` on a DynamoDB stream to run."""

    logical_id: str
    function: FunctionConfig
    config: StreamMappingConfig


@dataclass(frozen=True)
class StackPlan:
    stack_name: str
    parameters: Mapping[str, str]
    outputs: Mapping[str, str]
    functions: Mapping[str, FunctionConfig]  # by function name
    urls: tuple[UrlSpec, ...]
    mappings: tuple[MappingSpec, ...]
    account_id: str = "123456789012"
    region: str = "us-east-1"
    schedules: tuple[ScheduleSpec, ...] = ()


def read_stack(
    template_path: Path,
    *,
    stack_name: str,
    client: ClientFactory,
    aws_view: Mapping[str, str] = AWS_VIEW_PARAMETERS,
) -> StackPlan:
    """Everything the data plane runs for ``stack_name``.

    aws_view: parameter overrides under which the template's conditions describe AWS (which
    permissions the function has there, though the emulator was not given them)."""
    try:
        return _Reader(load_template(template_path), stack_name, client, aws_view).plan()
    except (ClientError, BotoCoreError) as err:
        raise StackError(f"cannot read stack {stack_name!r}: {err}") from err


def created_resources(
    template_path: Path, *, stack_name: str, client: ClientFactory, resource_type: str
) -> list[tuple[str, str, dict[str, Any]]]:
    """(logical id, physical id, resolved properties) of each created resource of a type:
    for settings an emulator ignores (moto's CloudFormation drops a table's TTL setting)."""
    try:
        reader = _Reader(load_template(template_path), stack_name, client)
        return [
            (logical, reader.physical[logical], reader.resolver.properties(logical))
            for logical in reader.resolver.resources(resource_type)
            if logical in reader.physical
        ]
    except (ClientError, BotoCoreError) as err:
        raise StackError(f"cannot read stack {stack_name!r}: {err}") from err


class _Reader:
    def __init__(
        self,
        template: dict[str, Any],
        stack_name: str,
        client: ClientFactory,
        aws_view: Mapping[str, str] = AWS_VIEW_PARAMETERS,
    ) -> None:
        self._template, self._name, self._client = template, stack_name, client
        stacks = client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
        stack = stacks[0]
        if not str(stack.get("StackStatus", "")).endswith("_COMPLETE"):
            raise StackError(f"stack {stack_name!r} is {stack.get('StackStatus')}")
        self.parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
        self.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        entries = client("cloudformation").describe_stack_resources(StackName=stack_name)
        # Skipped conditional resources show up without ids on moto: read with .get().
        self.physical = {
            entry["LogicalResourceId"]: entry["PhysicalResourceId"]
            for entry in entries["StackResources"]
            if entry.get("LogicalResourceId") and entry.get("PhysicalResourceId")
        }
        arn_parts = str(stack["StackId"]).split(":")
        self.region, self.account_id = arn_parts[3], arn_parts[4]
        self.resolver = Resolver(
            template,
            parameters=self.parameters,
            pseudo={
                "AWS::StackName": stack_name,
                "AWS::StackId": stack["StackId"],
                "AWS::Region": arn_parts[3],
                "AWS::AccountId": arn_parts[4],
                "AWS::Partition": arn_parts[1],
                "AWS::URLSuffix": "amazonaws.com",
            },
            physical_ids=self.physical,
            attribute=self._attribute,
        )
        self._functions: dict[str, FunctionConfig] = {}
        self._aws_conditions = Resolver(
            template,
            parameters={**self.parameters, **aws_view},
            pseudo={},
            physical_ids={},
            attribute=self._attribute,
        )

    def plan(self) -> StackPlan:
        urls = []
        for logical, props in self._resolved("AWS::Lambda::Url"):
            function = self._function(props["TargetFunctionArn"])
            policy = resource_policy(
                self._permissions(function),
                function_arn=function.arn,
                name=f"resource-based policy of {function.name}",
            )
            urls.append(UrlSpec(logical, function, props["AuthType"], policy))
        mappings = []
        for logical, props in self._resolved("AWS::Lambda::EventSourceMapping"):
            source = str(props.get("EventSourceArn", ""))
            if ":dynamodb:" not in source or "/stream/" not in source:
                log.warning("skipping %s: only DynamoDB stream sources are served", logical)
                continue
            function = self._function(props["FunctionName"])
            config = StreamMappingConfig.from_properties(
                props, function_arn=function.arn, stream_arn=source, region=self.region
            )
            mappings.append(MappingSpec(logical, function, config))
        schedules = []
        for logical, props in self._resolved("AWS::Events::Rule"):
            expression = props.get("ScheduleExpression")
            if not expression or props.get("State", "ENABLED") != "ENABLED":
                continue
            interval = rate_seconds(str(expression))
            rule_arn = self.rule_arn(logical)
            for target in props.get("Targets") or []:
                function = self._function(str(target["Arn"]))
                schedules.append(ScheduleSpec(logical, function, interval, rule_arn))
        return StackPlan(
            self._name,
            self.parameters,
            self.outputs,
            self._functions,
            tuple(urls),
            tuple(mappings),
            self.account_id,
            self.region,
            tuple(schedules),
        )

    def _permissions(self, function: FunctionConfig) -> list[tuple[str, dict[str, Any]]]:
        """The AWS::Lambda::Permission resources on ``function`` that exist on AWS."""
        found = []
        for logical, body in self.resolver.resources("AWS::Lambda::Permission").items():
            condition = body.get("Condition")
            if condition and not self._aws_conditions.condition(str(condition)):
                continue
            props = self.resolver.properties(logical)
            target = str(props.get("FunctionName", ""))
            if target.split(":function:", 1)[-1].split(":", 1)[0] == function.name:
                found.append((logical, props))
        return found

    def _resolved(self, resource_type: str) -> list[tuple[str, dict[str, Any]]]:
        try:
            return [
                (logical, self.resolver.properties(logical))
                for logical in self.resolver.resources(resource_type)
            ]
        except (KeyError, ValueError, TypeError) as err:
            if isinstance(err, TemplateError):
                raise
            raise TemplateError(f"bad {resource_type} in the template: {err}") from err

    def _function(self, reference: str) -> FunctionConfig:
        # FunctionName may be a name, an ARN or a partial ARN; the name is what GetFunction takes.
        name = reference.split(":function:", 1)[-1].split(":", 1)[0]
        if name not in self._functions:
            answer = self._client("lambda").get_function(FunctionName=name)
            self._functions[name] = self._function_config(answer)
        return self._functions[name]

    def _function_config(self, answer: Mapping[str, Any]) -> FunctionConfig:
        conf = answer["Configuration"]
        image = conf.get("ImageConfigResponse", {}).get("ImageConfig", {})
        command = image.get("Command") or self._template_command(conf["FunctionName"])
        if not command and conf.get("Handler"):
            command = [conf["Handler"]]
        variables = conf.get("Environment", {}).get("Variables", {})
        return FunctionConfig(
            name=conf["FunctionName"],
            arn=conf["FunctionArn"],
            command=tuple(str(part) for part in command or ()),
            image_uri=answer.get("Code", {}).get("ImageUri"),
            # moto hands numbers back as numbers; Lambda's environment is strings only.
            environment={key: str(value) for key, value in variables.items()},
            timeout_seconds=int(conf.get("Timeout", 3)),
            memory_mb=int(conf.get("MemorySize", 128)),
            reserved_concurrency=self._reserved_concurrency(answer, conf["FunctionName"]),
        )

    def _reserved_concurrency(self, answer: Mapping[str, Any], function_name: str) -> int | None:
        """GetFunction's Concurrency, else the template's ReservedConcurrentExecutions (an
        emulator may drop it); absent or AWS::NoValue: no reservation."""
        value = (answer.get("Concurrency") or {}).get("ReservedConcurrentExecutions")
        if value is None:
            value = self._template_property(function_name, "ReservedConcurrentExecutions")
        if value is None or value is NO_VALUE or value == "":
            return None
        try:
            return int(value)
        except (TypeError, ValueError) as err:
            raise TemplateError(
                f"{function_name}: ReservedConcurrentExecutions {value!r} is not a number"
            ) from err

    def _template_property(self, function_name: str, name: str) -> Any:
        for logical, body in self.resolver.resources("AWS::Lambda::Function").items():
            if self.physical.get(logical) == function_name:
                return self.resolver.resolve((body.get("Properties") or {}).get(name))
        return None

    def _template_command(self, function_name: str) -> list[str]:
        """moto's CloudFormation drops ImageConfig: fall back to the template's Command."""
        image = self._template_property(function_name, "ImageConfig")
        return list((image or {}).get("Command") or [])

    def rule_arn(self, logical: str) -> str:
        """The ARN of a schedule rule the data plane runs in place of EventBridge."""
        return f"arn:aws:events:{self.region}:{self.account_id}:rule/{self._name}-{logical}"

    def _attribute(self, logical: str, attribute: str) -> Any:
        resource = self._template["Resources"].get(logical, {})
        if resource.get("Type") == "AWS::Events::Rule" and attribute == "Arn":
            return self.rule_arn(logical)  # not created locally: the data plane runs it
        physical = self.physical.get(logical)
        if physical is None:
            raise TemplateError(f"Fn::GetAtt {logical}.{attribute}: {logical} was not created")
        kind = resource.get("Type")
        if kind == "AWS::DynamoDB::Table" and attribute in ("Arn", "StreamArn"):
            table = self._client("dynamodb").describe_table(TableName=physical)["Table"]
            return table["TableArn" if attribute == "Arn" else "LatestStreamArn"]
        if kind == "AWS::SQS::Queue" and attribute in ("Arn", "QueueName", "QueueUrl"):
            if attribute == "QueueUrl":
                return physical
            if attribute == "QueueName":
                return physical.rsplit("/", 1)[-1]
            answer = self._client("sqs").get_queue_attributes(
                QueueUrl=physical, AttributeNames=["QueueArn"]
            )
            return answer["Attributes"]["QueueArn"]
        if kind == "AWS::Lambda::Function" and attribute == "Arn":
            return self._function(physical).arn
        raise TemplateError(f"Fn::GetAtt {logical}.{attribute} ({kind}) is not supported")
