"""What the cost meter simulates and prices: a scenario (settings), each function's billing
shape as the template sets it, and what one simulated day counted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3

from bench import cost_functions
from bench.dynamo_units import projected, storage_bytes
from bench.usage import FunctionUsage, TableShape
from lambda_dataplane.template import Resolver, TemplateError, load_template
from tests.support.moto import MotoServer
from tests.support.stack import TEMPLATE
from thermostat_pi.cadence import UploadCadence

DAY_S = 86_400.0
HOUR_S = 3600.0


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    parameters: Mapping[str, str] = field(default_factory=dict)  # template parameters
    cadence: UploadCadence = field(default_factory=UploadCadence)
    memory_mb: Mapping[str, int] = field(default_factory=dict)  # by role, over the template's
    interval_s: float = 60.0
    hours: float = 24.0  # metered: a day, or a few hours scaled up to one


@dataclass(frozen=True)
class FunctionSpec:
    memory_mb: int
    architecture: str
    system_log_level: str  # INFO: Lambda writes START, END and REPORT lines
    application_log_level: str = "INFO"  # lines below it are not written (nor billed)
    # Our Python functions' CPU time runs at the memory's share of a vCPU; the seed's Rust
    # function's CPU time is not stretched (its stand-in here is Python).
    cpu_scaled: bool = True


@dataclass
class Day:
    scenario: Scenario
    usage: dict[str, FunctionUsage]
    functions: dict[str, FunctionSpec]
    readings: int
    storage_bytes_added: int  # table and index, with the per-item overhead
    pitr: bool
    waited_max_s: float  # the longest a reading waited on the Pi before it was stored
    health_runs_per_day: float
    batch_size: int = 0  # the stream mapping's (0: no stream)
    batching_window_s: float = 0.0

    @property
    def days(self) -> float:
        """How many days the usage covers."""
        return self.scenario.hours * HOUR_S / DAY_S


def _resolver(parameters: Mapping[str, str]) -> tuple[Resolver, dict[str, Any]]:
    template = load_template(TEMPLATE)
    resolver = Resolver(
        template, parameters=parameters, pseudo={}, physical_ids={}, attribute=_no_attribute
    )
    return resolver, template


def specs(parameters: Mapping[str, str], memory: Mapping[str, int]) -> dict[str, FunctionSpec]:
    """Each function's memory, architecture and log levels, as the template sets them for
    these stack parameters (moto keeps no LoggingConfig)."""
    resolver, _ = _resolver(parameters)
    found = {}
    for body in resolver.resources("AWS::Lambda::Function").values():
        props = body["Properties"]
        role = cost_functions.ROLES[props["ImageConfig"]["Command"][0]]
        logging = resolver.resolve(props.get("LoggingConfig", {}))
        json_logs = logging.get("LogFormat") == "JSON"
        found[role] = FunctionSpec(
            int(memory.get(role, resolver.resolve(props.get("MemorySize", 128)))),
            str(resolver.resolve(props.get("Architectures") or ["x86_64"])[0]),
            str(logging.get("SystemLogLevel", "INFO")) if json_logs else "INFO",
            str(logging.get("ApplicationLogLevel", "INFO")) if json_logs else "INFO",
        )
    return found


def point_in_time_recovery(parameters: Mapping[str, str]) -> bool:
    """Whether the template turns on continuous backups (moto does not report them)."""
    resolver, _ = _resolver(parameters)
    for body in resolver.resources("AWS::DynamoDB::Table").values():
        spec = resolver.resolve(body["Properties"].get("PointInTimeRecoverySpecification", {}))
        if str(spec.get("PointInTimeRecoveryEnabled", "false")).lower() == "true":
            return True
    return False


def _no_attribute(logical: str, attribute: str) -> Any:
    raise TemplateError(f"{logical}.{attribute} is not known to the cost meter")


def table_bytes(client: Any, table: str, shape: TableShape, overhead: int) -> int:
    """Storage the table bills: every item, and every index entry, with its overhead."""
    total = 0
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        for item in page["Items"]:
            total += storage_bytes(item, overhead)
            for index in shape.indexes:
                entry = projected(item, index.keys, index.projection)
                total += storage_bytes(entry, overhead) if entry is not None else 0
    return total


def session(moto: MotoServer) -> boto3.Session:
    """A boto3 session of its own on the emulator (its clients take AWS_ENDPOINT_URL)."""
    env = moto.env()
    return boto3.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )
