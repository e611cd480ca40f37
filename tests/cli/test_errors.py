"""Setup problems end in one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from moto import mock_aws

from tests.cli.helpers import (
    REGION,
    create_contract_table,
    free_port,
    put_items,
    run_cli,
    run_console_script,
    status_seen,
)
from thermostat_cli.dynamo import translated_errors
from thermostat_cli.errors import TableUnavailable
from thermostat_cli.main import main

OFFLINE_ENV = {"AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": REGION}


def no_aws_files(folder: Path) -> dict[str, str]:
    return {
        "AWS_CONFIG_FILE": str(folder / "missing-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(folder / "missing-credentials"),
    }


def test_no_credentials_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """No keys, no profile, no instance role: exit 2, one line, no traceback."""
    endpoint = f"http://127.0.0.1:{free_port()}"
    done = run_console_script(
        "--table",
        "readings",
        "--endpoint-url",
        endpoint,
        "status",
        env={**OFFLINE_ENV, **no_aws_files(tmp_path)},
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("thermostat: no AWS credentials found: set AWS_PROFILE")
    assert done.stderr.count("\n") == 1


def test_unreachable_endpoint_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """Nothing listens at the endpoint: exit 2 with the address, no traceback."""
    endpoint = f"http://127.0.0.1:{free_port()}"
    env = {
        **OFFLINE_ENV,
        **no_aws_files(tmp_path),
        "AWS_ACCESS_KEY_ID": "k",
        "AWS_SECRET_ACCESS_KEY": "s",
        "AWS_MAX_ATTEMPTS": "1",
    }
    done = run_console_script(
        "history",
        "--table",
        "readings",
        "--endpoint-url",
        endpoint,
        "--device",
        "hall",
        "--day",
        "2025-12-01",
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"thermostat: cannot reach DynamoDB at {endpoint}")
    assert done.stderr.count("\n") == 1


def test_missing_table_is_one_line_and_exit_2(moto: Any, tmp_path: Path) -> None:
    """A real emulator without the table: exit 2 naming table and endpoint."""
    moto.reset()
    env = {**moto.env(), **no_aws_files(tmp_path)}
    done = run_console_script("--table", "nope", "status", env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (f"thermostat: table 'nope' does not exist at {moto.endpoint_url}\n")


def test_missing_table_in_process_names_the_aws_endpoint(aws_env: Path) -> None:
    """Against (mocked) AWS the message names the regional endpoint."""
    with mock_aws():
        result = run_cli("history", "--device", "hall", "--day", "2025-12-01")
    assert result.code == 2
    assert result.err == (
        "thermostat: table 'thermostat-test' does not exist at"
        f" https://dynamodb.{REGION}.amazonaws.com\n"
    )


def test_no_table_anywhere_says_how_to_name_one(aws_env: Path) -> None:
    """No --table or --stack, no variable, no local stack: exit 2 listing the ways."""
    err = io.StringIO()
    code = main(["status"], out=io.StringIO(), err=err)
    assert code == 2
    assert err.getvalue() == (
        "thermostat: no table given: pass --table or --stack, set THERMOSTAT_TABLE or"
        " THERMOSTAT_STACK, or start `make dev` (it writes .devstack/endpoints.json) or"
        " `make up` (it writes .localstack/endpoints.json)\n"
    )


def test_unknown_profile_is_exit_2(aws_env: Path) -> None:
    """--profile that is not configured: exit 2 naming it."""
    result = run_cli("--profile", "no-such-profile", "status")
    assert result.code == 2
    assert result.err == "thermostat: AWS profile not found: no-such-profile\n"


def test_broken_devstack_file_is_exit_2(aws_env: Path) -> None:
    """A .devstack/endpoints.json that is not JSON: exit 2 naming the file."""
    (aws_env / ".devstack").mkdir()
    (aws_env / ".devstack" / "endpoints.json").write_text("{not json", encoding="utf-8")
    err = io.StringIO()
    assert main(["status"], out=io.StringIO(), err=err) == 2
    assert err.getvalue().startswith(f"thermostat: cannot read {aws_env}/.devstack/endpoints.json")


def test_devstack_file_points_at_the_make_dev_stack(moto: Any, tmp_path: Path) -> None:
    """From a subfolder, with a decoy region in the environment, the devstack file wins."""
    moto.reset()
    region = "eu-central-1"
    client = boto3.client(
        "dynamodb",
        endpoint_url=moto.endpoint_url,
        region_name=region,
        aws_access_key_id="dev",
        aws_secret_access_key="dev",
    )
    create_contract_table(client, "devstack-readings")
    put_items(client, [status_seen("hall", timedelta(minutes=1))], table="devstack-readings")
    (tmp_path / ".devstack").mkdir()
    (tmp_path / ".devstack" / "endpoints.json").write_text(
        json.dumps(
            {
                "aws_endpoint_url": moto.endpoint_url,
                "region": region,
                "table_name": "devstack-readings",
                "access_key_id": "dev",
                "secret_access_key": "dev",
                "ingest_url": "http://127.0.0.1:1/",
                "stack_name": "thermostat-dev",
            }
        ),
        encoding="utf-8",
    )
    (tmp_path / "src").mkdir()
    env = {**no_aws_files(tmp_path), "AWS_REGION": "us-west-2", "AWS_MAX_ATTEMPTS": "1"}
    done = run_console_script("status", "--json", env=env, cwd=tmp_path / "src")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["device_id"] == "hall"


@pytest.mark.parametrize("flag", ["--day", "--from"])
def test_unparseable_day_is_a_usage_error(flag: str, capsys: Any, aws_env: Path) -> None:
    """A day that is not YYYY-MM-DD exits 2 through argparse, before any AWS call."""
    with pytest.raises(SystemExit) as exited:
        main(["history", "--device", "hall", flag, "21/11/2026"])
    assert exited.value.code == 2
    assert "21/11/2026" in capsys.readouterr().err


def test_no_region_is_exit_2(aws_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No --region, no AWS_REGION, no profile region: exit 2 saying how to set one."""
    monkeypatch.delenv("AWS_REGION")
    result = run_cli("status")
    assert result.code == 2
    assert result.err.startswith("thermostat: no AWS region: pass --region or set AWS_REGION")


def test_item_that_breaks_the_contract_is_exit_1(dynamodb: Any) -> None:
    """A reading item without temperature_c: exit 1 naming the item, not a traceback."""
    put_items(
        dynamodb,
        [
            {
                "pk": "DEVICE#hall",
                "sk": "READING#2025-12-01T00:00:00.000Z",
                "item_type": "reading",
                "device_id": "hall",
                "recorded_at": "2025-12-01T00:00:00.000Z",
                "setpoint_c": 20,
                "heating": False,
            }
        ],
    )
    result = run_cli("history", "--device", "hall", "--day", "2025-12-01")
    assert result.code == 1
    assert result.err.startswith(
        "thermostat: item DEVICE#hall/READING#2025-12-01T00:00:00.000Z breaks the data contract"
    )


def test_refused_credentials_are_exit_2_with_the_code() -> None:
    """DynamoDB refusing the keys (UnrecognizedClientException) becomes one clear line."""
    refused = ClientError(
        {
            "Error": {
                "Code": "UnrecognizedClientException",
                "Message": "The security token included in the request is invalid.",
            }
        },
        "Query",
    )
    with pytest.raises(TableUnavailable) as caught, translated_errors("t", "https://x"):
        raise refused
    assert str(caught.value) == (
        "AWS refused the credentials (UnrecognizedClientException):"
        " The security token included in the request is invalid."
    )
    assert caught.value.exit_code == 2
    assert caught.value.__cause__ is refused


def test_other_dynamodb_errors_name_code_and_endpoint() -> None:
    """Any other service error keeps DynamoDB's code and message."""
    throttled = ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
        "Query",
    )
    expected = r"^DynamoDB error at https://x: ProvisionedThroughputExceededException: slow down$"
    with pytest.raises(TableUnavailable, match=expected), translated_errors("t", "https://x"):
        raise throttled


def test_read_timeout_is_unreachable() -> None:
    """A read timeout is reported like an unreachable endpoint."""
    expected = r"^cannot reach DynamoDB at https://x: "
    with pytest.raises(TableUnavailable, match=expected), translated_errors("t", "https://x"):
        raise ReadTimeoutError(endpoint_url="https://x")
