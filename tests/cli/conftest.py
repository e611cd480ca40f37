"""Fixtures for the `thermostat` command tests: environment and an in-process moto table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.cli.helpers import REGION, configure_env, create_contract_table


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    configure_env(monkeypatch, tmp_path)
    return tmp_path


@pytest.fixture
def dynamodb(aws_env: Path) -> Iterator[Any]:
    """An in-process moto DynamoDB with the contract's table, empty."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        create_contract_table(client)
        yield client
