"""Fixtures shared by the core tests: one moto_server and one DynamoDB Local per session.

``stack`` is parametrized over two DynamoDB implementations (``dynamodb`` below): moto's and
Amazon's DynamoDB Local. Any test that takes ``stack`` runs once on each, with boto3's
per-service endpoint settings (AWS_ENDPOINT_URL_DYNAMODB, ..._DYNAMODB_STREAMS) sending the
functions' table calls there; everything else (SNS, SQS, CloudFormation) stays on moto.
``moto_stack`` is the template as moto deployed it, for tests about the template itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.support.dynamodb_local import (
    DynamoDBBackend,
    DynamoDBLocal,
    create_template_table,
    running_dynamodb_local,
)
from tests.support.moto import MotoServer, running_moto_server
from tests.support.stack import TEMPLATE, deploy

DYNAMODB_BACKENDS = ("moto", "dynamodb-local")


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    with running_moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        yield server


@pytest.fixture(scope="session")
def dynamodb_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DynamoDBLocal]:
    """Amazon's DynamoDB Local, started once for the session (about 2 s)."""
    log = tmp_path_factory.mktemp("dynamodb-local") / "dynamodb-local.log"
    with running_dynamodb_local(log) as server:
        yield server


@pytest.fixture
def aws(moto: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoServer]:
    """A clean emulator, and this process's AWS settings pointing at it."""
    moto.reset()
    moto.point_at(monkeypatch)
    yield moto


@pytest.fixture(params=DYNAMODB_BACKENDS)
def dynamodb(
    request: pytest.FixtureRequest, aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> DynamoDBBackend:
    """moto or DynamoDB Local, emptied; DynamoDB and its streams in this process point there."""
    if request.param == "moto":
        backend = DynamoDBBackend("moto", aws.endpoint_url)
    else:
        local: DynamoDBLocal = request.getfixturevalue("dynamodb_local")
        local.reset()
        backend = DynamoDBBackend("dynamodb-local", local.endpoint_url, local)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", backend.endpoint_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", backend.endpoint_url)
    return backend


@pytest.fixture
def moto_stack(aws: MotoServer) -> dict[str, str]:
    """The real template deployed on moto in local-data-plane mode; its outputs."""
    return deploy(boto3.client("cloudformation"))


@pytest.fixture
def stack(moto_stack: dict[str, str], dynamodb: DynamoDBBackend) -> dict[str, str]:
    """The deployed stack's outputs, its table on the DynamoDB under test.

    On DynamoDB Local the template's table (same name, keys, index, stream, TTL) is created
    there, and TableStreamArn is that table's stream.
    """
    if dynamodb.local is None:
        return moto_stack
    stream_arn = create_template_table(dynamodb.local, TEMPLATE, moto_stack["TableName"])
    return {**moto_stack, "TableStreamArn": stream_arn}


def client(name: str) -> Any:
    return boto3.client(name)  # type: ignore[call-overload]
