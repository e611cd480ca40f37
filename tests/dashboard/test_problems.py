"""Errors people understand: each problem is a clear message, and the server keeps serving."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.cli.helpers import TABLE, create_contract_table, free_port
from tests.dashboard.conftest import Server
from tests.support.endpoints import local_endpoints
from tests.support.moto import MotoServer
from tests.support.stack import deploy
from thermostat.endpoints import DEVSTACK_FILE
from thermostat_cli.dashboard.source import TableSource

Serve = Callable[..., Server]


def endpoints_file(folder: Path, aws_endpoint_url: str, table: str = TABLE) -> None:
    local_endpoints(aws_endpoint_url, table).write(folder / DEVSTACK_FILE)


def error(answer: Any) -> tuple[int, str, str]:
    return answer.status, answer.body["error"]["kind"], answer.body["error"]["message"]


def test_no_stack_says_to_start_make_dev_then_recovers_when_it_runs(
    aws: MotoServer, serve: Serve, tmp_path: Path
) -> None:
    """Without make dev the API says how to get a table; once it runs, the same server reads."""
    server = serve(TableSource(environ={}, cwd=tmp_path))
    status, kind, message = error(server.get("/api/devices"))
    assert (status, kind) == (503, "no-table")
    assert "start `make dev`" in message
    create_contract_table(boto3.client("dynamodb"))
    endpoints_file(tmp_path, aws.endpoint_url)
    answer = server.get("/api/devices")
    assert (answer.status, answer.body["devices"]) == (200, [])


def test_a_stopped_make_dev_is_named(
    aws: MotoServer, serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An endpoints file left by a make dev that no longer runs: 'is make dev running?'."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    closed = f"http://127.0.0.1:{free_port()}"
    endpoints_file(tmp_path, closed)
    server = serve(TableSource(environ={"AWS_MAX_ATTEMPTS": "1"}, cwd=tmp_path))
    status, kind, message = error(server.get("/api/devices"))
    assert (status, kind) == (503, "unavailable")
    assert message.startswith(f"nothing answers at {closed}: is `make dev` running?")


def test_no_credentials_says_where_to_set_them(
    serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A named table with no AWS credentials anywhere: the message lists the ways to give them."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    server = serve(TableSource(table=TABLE))
    status, kind, message = error(server.get("/api/devices"))
    assert (status, kind) == (503, "unavailable")
    assert message.startswith("no AWS credentials found: set AWS_PROFILE")


def test_a_missing_table_is_named(aws: MotoServer, serve: Serve) -> None:
    """--table naming a table that does not exist says so, with the endpoint."""
    server = serve(TableSource(table="not-there"))
    status, kind, message = error(server.get("/api/devices"))
    assert (status, kind) == (503, "unavailable")
    assert message == f"table 'not-there' does not exist at {aws.endpoint_url}"


def test_a_table_that_is_not_ours_says_why(aws: MotoServer, serve: Serve) -> None:
    """Another application's table: its key and the missing status index are named."""
    boto3.client("dynamodb").create_table(
        TableName="orders",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    server = serve(TableSource(table="orders"))
    status, kind, message = error(server.get("/api/devices"))
    assert (status, kind) == (503, "not-our-table")
    assert message == (
        "table 'orders' is not a thermostat table: its key is id (HASH), not pk (HASH),"
        " sk (RANGE) and it has no DeviceStatusIndex; pass --table with the stack's"
        " TableName output"
    )


def test_the_page_is_served_whatever_the_table_problem(serve: Serve, tmp_path: Path) -> None:
    """The page and its scripts load without any table: it shows the problem itself."""
    server = serve(TableSource(environ={}, cwd=tmp_path))
    assert server.get("/api/devices").status == 503
    assert server.get("/").status == 200
    assert server.get("/static/app.js").status == 200


def test_a_foreign_host_name_is_refused(serve: Serve, tmp_path: Path) -> None:
    """A DNS-rebinding page (Host: another name) cannot read the API."""
    server = serve(TableSource(environ={}, cwd=tmp_path))
    port = server.url.rsplit(":", 1)[1]
    assert server.get("/api/devices", {"Host": f"evil.example:{port}"}).status == 400
    assert server.get("/", {"Host": f"localhost:{port}"}).status == 200


def test_a_cross_origin_write_is_refused(serve: Serve, tmp_path: Path) -> None:
    """A POST from another web site is refused before any route; the page's own is not."""
    server = serve(TableSource(environ={}, cwd=tmp_path))
    foreign = server.request("POST", "/api/devices", headers={"Origin": "http://evil.example"})
    assert (foreign.status, foreign.body["error"]["kind"]) == (403, "cross-origin")
    own = server.request("POST", "/api/devices", headers={"Origin": server.url})
    assert own.status == 405  # reaches the router: the device list takes no writes


def test_everything_the_page_loads_comes_from_the_server(serve: Serve, tmp_path: Path) -> None:
    """No script, style or font from the internet: each referenced file is served here."""
    server = serve(TableSource(environ={}, cwd=tmp_path))
    page = server.get("/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    references = re.findall(r'(?:src|href)="([^"]+)"', page.body)
    assert references and all(ref.startswith("/static/") for ref in references)
    for ref in references:
        assert server.get(ref).status == 200, ref


def test_answers_are_json_and_never_cached(serve: Serve, tmp_path: Path) -> None:
    """API answers, errors included, are JSON with Cache-Control: no-store."""
    server = serve(TableSource(environ={}, cwd=tmp_path))
    answer = server.get("/api/devices")
    assert answer.headers["cache-control"] == "no-store"
    assert json.dumps(answer.body)


def test_a_stack_name_finds_its_table(aws: MotoServer, serve: Serve) -> None:
    """--stack NAME alone: the table is the stack's TableName output."""
    outputs = deploy(boto3.client("cloudformation"), "thermostat-dash")
    source = TableSource(stack="thermostat-dash")
    server = serve(source)
    answer = server.get("/api/devices")
    assert (answer.status, answer.body["devices"]) == (200, [])
    assert answer.body["source"].startswith(f"table {outputs['TableName']!r} at ")


def test_an_unknown_stack_is_named(aws: MotoServer, serve: Serve) -> None:
    """--stack naming no stack: a message naming it, not a DynamoDB error."""
    server = serve(TableSource(stack="not-deployed"))
    status, kind, message = error(server.get("/api/devices"))
    assert (status, kind) == (503, "no-table")
    assert message.startswith(f"no stack 'not-deployed' at {aws.endpoint_url}: pass --stack")


def test_warming_up_builds_the_client_the_first_read_uses(
    aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """warm() at startup builds the DynamoDB client: the first request builds none itself."""
    create_contract_table(boto3.client("dynamodb"))
    source = TableSource(table=TABLE)
    source.warm()

    def no_second_client(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a request built a client")

    monkeypatch.setattr("thermostat_cli.connection.client", no_second_client)
    assert source.read(lambda table: list(table.statuses())) == []


def test_warming_up_without_a_table_leaves_the_problem_to_the_page(tmp_path: Path) -> None:
    """No table anywhere: warm() says nothing (the page will), and raises nothing."""
    TableSource(environ={}, cwd=tmp_path).warm()
