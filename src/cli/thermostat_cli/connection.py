"""Which table to read and how to reach it: flags, environment, or ``make dev``'s file."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from thermostat_cli.errors import ConfigProblem

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DEVSTACK_FILE = Path(".devstack") / "endpoints.json"
TABLE_ENV = "THERMOSTAT_TABLE"
DEFAULT_MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Connection:
    """Everything needed to build the DynamoDB client; ``None`` leaves it to boto3."""

    table: str
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    source: str = "--table"


def find_devstack(start: Path) -> Path | None:
    """``.devstack/endpoints.json`` in ``start`` or the nearest parent that has one."""
    for folder in (start, *start.parents):
        candidate = folder / DEVSTACK_FILE
        if candidate.is_file():
            return candidate
    return None


def _load_devstack(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigProblem(f"cannot read {path}: {err}") from err
    if not isinstance(data, dict) or not isinstance(data.get("table_name"), str):
        raise ConfigProblem(f"{path} has no table_name; is it from `make dev`?")
    return data


def resolve(
    *,
    table: str | None,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Connection:
    """Flags win; then ``THERMOSTAT_TABLE`` with boto3's usual settings; then ``make dev``.

    The devstack file supplies endpoint, region and dev credentials together: a shell
    set up for AWS must not send a local table name to the real account.
    """
    environ = os.environ if environ is None else environ
    if table or environ.get(TABLE_ENV):
        return Connection(
            table=table or environ[TABLE_ENV],
            endpoint_url=endpoint_url,
            region=region,
            profile=profile,
            source="--table" if table else TABLE_ENV,
        )
    path = find_devstack(cwd or Path.cwd())
    if path is None:
        raise ConfigProblem(
            f"no table given: pass --table, set {TABLE_ENV}, or start `make dev`"
            f" (it writes {DEVSTACK_FILE})"
        )
    data = _load_devstack(path)
    return Connection(
        table=data["table_name"],
        endpoint_url=endpoint_url or data.get("aws_endpoint_url"),
        region=region or data.get("region"),
        profile=profile,
        access_key_id=None if profile else data.get("access_key_id"),
        secret_access_key=None if profile else data.get("secret_access_key"),
        source=str(path),
    )


def client(conn: Connection, environ: Mapping[str, str] | None = None) -> DynamoDBClient:
    """A DynamoDB client; botocore errors are left for ``dynamo.translated_errors``."""
    import boto3
    from botocore.config import Config

    environ = os.environ if environ is None else environ
    retries: dict[str, Any] = {"mode": "standard"}
    # AWS_MAX_ATTEMPTS is botocore's own knob; a Config value would override it.
    if not environ.get("AWS_MAX_ATTEMPTS"):
        retries["max_attempts"] = DEFAULT_MAX_ATTEMPTS
    # botocore reads only AWS_DEFAULT_REGION; the other SDKs (and Lambda) use AWS_REGION.
    region = conn.region or environ.get("AWS_DEFAULT_REGION") or environ.get("AWS_REGION")
    session = boto3.session.Session(
        profile_name=conn.profile,
        region_name=region or None,
        aws_access_key_id=conn.access_key_id,
        aws_secret_access_key=conn.secret_access_key,
    )
    return session.client(
        "dynamodb",
        endpoint_url=conn.endpoint_url,
        config=Config(connect_timeout=5, read_timeout=30, retries=retries),  # type: ignore[arg-type]
    )
