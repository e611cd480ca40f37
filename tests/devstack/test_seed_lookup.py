"""`thermostat-devstack seed-demo` with no --table finds the running local stack."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from devstack import seed
from tests.support.moto import MotoServer
from thermostat.endpoints import COMPOSE_FILE, Endpoints
from thermostat.items import table_definition


def test_seed_demo_writes_to_the_make_up_stack_when_make_dev_is_not_running(
    aws: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only .localstack/endpoints.json present: the day is written to that stack's table."""
    _stack_file(tmp_path, aws, "compose-readings")
    monkeypatch.chdir(tmp_path)
    argv = ["--day", "2025-12-01", "--interval", "60m", "--create-table"]
    assert seed.main(argv) == 0
    count = boto3.client("dynamodb").scan(TableName="compose-readings", Select="COUNT")["Count"]
    assert count == 24 + 24 + 1 + 1  # readings, hourly rollups, the daily one, the status


def test_seed_demo_without_any_stack_names_both_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No --table and no stack file: exit 1 naming make dev's and make up's files."""
    monkeypatch.chdir(tmp_path)
    assert seed.main(["--day", "2025-12-01"]) == 1
    err = capsys.readouterr().err
    assert ".devstack/endpoints.json" in err
    assert ".localstack/endpoints.json" in err


def _stack_file(tmp_path: Path, aws: MotoServer, table: str) -> None:
    Endpoints(
        aws_endpoint_url=aws.endpoint_url,
        region="us-east-1",
        ingest_url="http://127.0.0.1:9/",
        table_name=table,
        access_key_id="test",
        secret_access_key="test",
        stack_name="thermostat",
    ).write(tmp_path / COMPOSE_FILE)


def _table_with_stream(name: str) -> None:
    client = boto3.client("dynamodb")
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        **table_definition(),
    )


def test_seed_demo_into_a_stack_with_a_stream_writes_readings_only(
    aws: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A running stack's stream function makes the rollups: seeding them too counts twice."""
    _table_with_stream("streamed-readings")
    _stack_file(tmp_path, aws, "streamed-readings")
    monkeypatch.chdir(tmp_path)
    assert seed.main(["--day", "2025-12-01", "--interval", "60m"]) == 0
    items = boto3.client("dynamodb").scan(TableName="streamed-readings")["Items"]
    assert {item["item_type"]["S"] for item in items} == {"reading"}
    assert len(items) == 24


def test_seed_demo_items_all_writes_rollups_even_into_a_streamed_table(
    aws: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--items all: readings, rollups and status whatever the table."""
    _table_with_stream("all-items")
    _stack_file(tmp_path, aws, "all-items")
    monkeypatch.chdir(tmp_path)
    assert seed.main(["--day", "2025-12-01", "--interval", "60m", "--items", "all"]) == 0
    count = boto3.client("dynamodb").scan(TableName="all-items", Select="COUNT")["Count"]
    assert count == 24 + 24 + 1 + 1
