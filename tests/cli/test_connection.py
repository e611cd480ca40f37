"""Which table and endpoint the command uses: flags, environment, then a local stack's file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from thermostat_cli.connection import Connection, flags, resolve
from thermostat_cli.errors import ConfigProblem
from thermostat_cli.main import build_parser

DEVSTACK = {
    "aws_endpoint_url": "http://127.0.0.1:4566",
    "region": "us-east-1",
    "table_name": "dev-readings",
    "access_key_id": "AKIDDEV",
    "secret_access_key": "dev-secret",
    "ingest_url": "http://127.0.0.1:4567/",
    "stack_name": "thermostat-dev",
}
NO_FLAGS = {"table": None, "endpoint_url": None, "region": None, "profile": None}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A checkout where `make dev` is running: it has .devstack/endpoints.json."""
    (tmp_path / ".devstack").mkdir()
    (tmp_path / ".devstack" / "endpoints.json").write_text(json.dumps(DEVSTACK), "utf-8")
    return tmp_path


def test_devstack_file_supplies_everything(repo: Path) -> None:
    """With no table configured, the devstack's endpoint, region, table and keys are used."""
    conn = resolve(**NO_FLAGS, environ={}, cwd=repo / "docs")
    assert conn == Connection(
        table="dev-readings",
        endpoint_url="http://127.0.0.1:4566",
        region="us-east-1",
        access_key_id="AKIDDEV",
        secret_access_key="dev-secret",
        source=str(repo / ".devstack" / "endpoints.json"),
        stack="thermostat-dev",
        ingest_url="http://127.0.0.1:4567/",
    )


def test_table_variable_wins_over_devstack(repo: Path) -> None:
    """THERMOSTAT_TABLE means 'use my AWS settings': the devstack file is ignored."""
    conn = resolve(**NO_FLAGS, environ={"THERMOSTAT_TABLE": "prod"}, cwd=repo)
    assert conn == Connection(table="prod", source="THERMOSTAT_TABLE")


def test_table_flag_wins_over_variable(repo: Path) -> None:
    """--table beats THERMOSTAT_TABLE; other flags pass through."""
    flags = {**NO_FLAGS, "table": "t", "region": "eu-west-1", "profile": "home"}
    conn = resolve(**flags, environ={"THERMOSTAT_TABLE": "prod"}, cwd=repo)
    assert conn == Connection(table="t", region="eu-west-1", profile="home")


def test_flags_override_the_devstack_endpoint_and_region(repo: Path) -> None:
    """--endpoint-url and --region still apply when the table comes from the devstack."""
    flags = {**NO_FLAGS, "endpoint_url": "http://127.0.0.1:9", "region": "eu-west-1"}
    conn = resolve(**flags, environ={}, cwd=repo)
    assert (conn.endpoint_url, conn.region, conn.table) == (
        "http://127.0.0.1:9",
        "eu-west-1",
        "dev-readings",
    )


def test_profile_replaces_the_devstack_keys(repo: Path) -> None:
    """--profile means those credentials, not the devstack's dev keys."""
    conn = resolve(**{**NO_FLAGS, "profile": "home"}, environ={}, cwd=repo)
    assert (conn.profile, conn.access_key_id, conn.secret_access_key) == ("home", None, None)


def test_devstack_without_table_name_is_refused(tmp_path: Path) -> None:
    """A JSON file without table_name is not from make dev: a config error."""
    (tmp_path / ".devstack").mkdir()
    (tmp_path / ".devstack" / "endpoints.json").write_text("{}", "utf-8")
    with pytest.raises(ConfigProblem, match=r"lacks .*table_name; is it from make dev"):
        resolve(**NO_FLAGS, environ={}, cwd=tmp_path)


def test_compose_stack_file_is_used_when_make_dev_is_not_running(tmp_path: Path) -> None:
    """With no .devstack, make up's .localstack/endpoints.json supplies the connection."""
    (tmp_path / ".localstack").mkdir()
    compose = {**DEVSTACK, "table_name": "compose-readings", "access_key_id": "test"}
    (tmp_path / ".localstack" / "endpoints.json").write_text(json.dumps(compose), "utf-8")
    conn = resolve(**NO_FLAGS, environ={}, cwd=tmp_path / "src")
    assert (conn.table, conn.access_key_id, conn.source) == (
        "compose-readings",
        "test",
        str(tmp_path / ".localstack" / "endpoints.json"),
    )


def test_make_dev_file_wins_over_the_compose_stack_file(repo: Path) -> None:
    """Both stacks' files present: make dev's, as before make up existed."""
    (repo / ".localstack").mkdir()
    compose = {**DEVSTACK, "table_name": "compose-readings"}
    (repo / ".localstack" / "endpoints.json").write_text(json.dumps(compose), "utf-8")
    assert resolve(**NO_FLAGS, environ={}, cwd=repo).table == "dev-readings"


def test_flags_are_read_from_the_command_line_before_or_after_the_subcommand() -> None:
    """flags() gives resolve() each "where the data is" option the command line set."""
    args = build_parser().parse_args(
        ["--table", "t", "--region", "eu-west-1", "dashboard", "--stack", "s", "--profile", "p"]
    )
    assert flags(args) == {
        "table": "t",
        "endpoint_url": None,
        "region": "eu-west-1",
        "profile": "p",
        "stack": "s",
    }
