"""Which table to read and how to reach it: flags, environment, or a local stack's file."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, cast

from thermostat.endpoints import (
    COMPOSE_FILE,
    DEVSTACK_FILE,
    Endpoints,
    EndpointsFileError,
    find_local_stack,
)
from thermostat_cli.errors import ConfigProblem

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TABLE_ENV = "THERMOSTAT_TABLE"
STACK_ENV = "THERMOSTAT_STACK"
DEFAULT_MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Connection:
    """Everything needed to build the AWS clients; ``None`` leaves it to boto3.

    ``table`` is empty when only the stack is known (its TableName output is read later).
    """

    table: str
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    source: str = "--table"
    stack: str | None = None
    ingest_url: str | None = None  # a local stack's Function URL (its outputs lack it)


class Flags(TypedDict):
    """The "where the data is" options, as :func:`resolve` and the dashboard's source take them."""

    table: str | None
    endpoint_url: str | None
    region: str | None
    profile: str | None
    stack: str | None


def flags(args: argparse.Namespace) -> Flags:
    """The connection options of a parsed ``thermostat`` command line (every subcommand has
    them: ``main._common_options``), named once, by :class:`Flags`."""
    return cast(Flags, {name: getattr(args, name) for name in Flags.__required_keys__})


def resolve(
    *,
    table: str | None,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    stack: str | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Connection:
    """Flags win; then ``THERMOSTAT_TABLE`` with boto3's usual settings; then a local stack:
    ``make dev``'s file, else ``make up``'s (``thermostat.endpoints.find_local_stack``).

    The stack's file supplies endpoint, region and dev credentials together: a shell
    set up for AWS must not send a local table name to the real account.
    """
    environ = os.environ if environ is None else environ
    stack = stack or environ.get(STACK_ENV) or None
    if table or environ.get(TABLE_ENV) or stack:
        return Connection(
            table=table or environ.get(TABLE_ENV, ""),
            endpoint_url=endpoint_url,
            region=region,
            profile=profile,
            source="--table" if table else TABLE_ENV if environ.get(TABLE_ENV) else "--stack",
            stack=stack,
        )
    path = find_local_stack(cwd or Path.cwd())
    if path is None:
        raise ConfigProblem(
            f"no table given: pass --table or --stack, set {TABLE_ENV} or {STACK_ENV}, or start"
            f" `make dev` (it writes {DEVSTACK_FILE}) or `make up` (it writes {COMPOSE_FILE})"
        )
    try:
        local = Endpoints.read(path)
    except EndpointsFileError as err:
        raise ConfigProblem(str(err)) from err
    return Connection(
        table=local.table_name,
        endpoint_url=endpoint_url or local.aws_endpoint_url,
        region=region or local.region,
        profile=profile,
        access_key_id=None if profile else local.access_key_id,
        secret_access_key=None if profile else local.secret_access_key,
        source=str(path),
        stack=local.stack_name,
        ingest_url=local.ingest_url,
    )


def session(conn: Connection, environ: Mapping[str, str] | None = None) -> Any:
    """A boto3 session with the connection's profile, region and keys."""
    import boto3

    environ = os.environ if environ is None else environ
    # botocore reads only AWS_DEFAULT_REGION; the other SDKs (and Lambda) use AWS_REGION.
    region = conn.region or environ.get("AWS_DEFAULT_REGION") or environ.get("AWS_REGION")
    return boto3.session.Session(
        profile_name=conn.profile,
        region_name=region or None,
        aws_access_key_id=conn.access_key_id,
        aws_secret_access_key=conn.secret_access_key,
    )


def service_client(conn: Connection, service: str, environ: Mapping[str, str] | None = None) -> Any:
    """A client of any service at the connection's endpoint; errors are left for
    ``dynamo.translated_errors``."""
    from botocore.config import Config

    environ = os.environ if environ is None else environ
    retries: dict[str, Any] = {"mode": "standard"}
    # AWS_MAX_ATTEMPTS is botocore's own knob; a Config value would override it.
    if not environ.get("AWS_MAX_ATTEMPTS"):
        retries["max_attempts"] = DEFAULT_MAX_ATTEMPTS
    return session(conn, environ).client(
        service,
        endpoint_url=conn.endpoint_url,
        config=Config(connect_timeout=5, read_timeout=30, retries=retries),  # type: ignore[arg-type]
    )


def client(conn: Connection, environ: Mapping[str, str] | None = None) -> DynamoDBClient:
    """A DynamoDB client; botocore errors are left for ``dynamo.translated_errors``."""
    dynamodb: DynamoDBClient = service_client(conn, "dynamodb", environ)
    return dynamodb
