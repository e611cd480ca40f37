"""`thermostat-devstack seed-demo` with no --table finds the running local stack."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import boto3
import pytest

from devstack import seed
from tests.support.endpoints import local_endpoints
from tests.support.moto import MotoServer
from thermostat.endpoints import COMPOSE_FILE
from thermostat.items import table_definition


@pytest.fixture
def compose_stack(
    aws: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., str]:
    """GIVEN make up's .localstack/endpoints.json naming a table (made first, with a stream,
    if asked), in the folder seed-demo runs from."""
    monkeypatch.chdir(tmp_path)

    def make(table: str, *, streamed: bool = False) -> str:
        if streamed:
            boto3.client("dynamodb").create_table(
                TableName=table,
                BillingMode="PAY_PER_REQUEST",
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
                **table_definition(),
            )
        local_endpoints(aws.endpoint_url, table, stack_name="thermostat").write(
            tmp_path / COMPOSE_FILE
        )
        return table

    return make


def count_items(table: str) -> int:
    return int(boto3.client("dynamodb").scan(TableName=table, Select="COUNT")["Count"])


def test_seed_demo_writes_to_the_make_up_stack_when_make_dev_is_not_running(
    compose_stack: Callable[..., str],
) -> None:
    """Only .localstack/endpoints.json present: the day is written to that stack's table."""
    table = compose_stack("compose-readings")
    assert seed.main(["--day", "2025-12-01", "--interval", "60m", "--create-table"]) == 0
    assert count_items(table) == 24 + 24 + 1 + 1  # readings, hourly rollups, the day's, status


def test_seed_demo_without_any_stack_names_both_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No --table and no stack file: exit 1 naming make dev's and make up's files."""
    monkeypatch.chdir(tmp_path)
    assert seed.main(["--day", "2025-12-01"]) == 1
    err = capsys.readouterr().err
    assert ".devstack/endpoints.json" in err
    assert ".localstack/endpoints.json" in err


def test_seed_demo_into_a_stack_with_a_stream_writes_readings_only(
    compose_stack: Callable[..., str],
) -> None:
    """A running stack's stream function makes the rollups: seeding them too counts twice."""
    table = compose_stack("streamed-readings", streamed=True)
    assert seed.main(["--day", "2025-12-01", "--interval", "60m"]) == 0
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    assert {item["item_type"]["S"] for item in items} == {"reading"}
    assert len(items) == 24


def test_seed_demo_items_all_writes_rollups_even_into_a_streamed_table(
    compose_stack: Callable[..., str],
) -> None:
    """--items all: readings, rollups and status whatever the table."""
    table = compose_stack("all-items", streamed=True)
    assert seed.main(["--day", "2025-12-01", "--interval", "60m", "--items", "all"]) == 0
    assert count_items(table) == 24 + 24 + 1 + 1
