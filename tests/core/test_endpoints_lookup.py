"""Finding the running local stack's endpoints file: make dev's, else make up's."""

from __future__ import annotations

from pathlib import Path

from thermostat.endpoints import COMPOSE_FILE, DEVSTACK_FILE, Endpoints, find_local_stack


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}", encoding="utf-8")
    return path


def test_make_dev_file_is_found_from_a_subfolder(tmp_path: Path) -> None:
    """.devstack/endpoints.json in a parent folder is found."""
    found = touch(tmp_path / DEVSTACK_FILE)
    assert find_local_stack(tmp_path / "src" / "cli") == found


def test_compose_file_is_found_when_there_is_no_make_dev_file(tmp_path: Path) -> None:
    """Without .devstack, make up's .localstack/endpoints.json is the stack."""
    found = touch(tmp_path / COMPOSE_FILE)
    assert find_local_stack(tmp_path / "docs") == found


def test_make_dev_file_wins_even_when_the_compose_file_is_nearer(tmp_path: Path) -> None:
    """Any .devstack file up the tree comes before any .localstack file."""
    devstack = touch(tmp_path / DEVSTACK_FILE)
    touch(tmp_path / "sub" / COMPOSE_FILE)
    assert find_local_stack(tmp_path / "sub") == devstack


def test_no_stack_file_anywhere_is_none(tmp_path: Path) -> None:
    """No endpoints file in the folder or its parents: None."""
    (tmp_path / COMPOSE_FILE).parent.mkdir()  # a folder without the file does not count
    assert find_local_stack(tmp_path) is None


def test_client_args_reach_the_stack_as_its_identity() -> None:
    """client_args() gives boto3.client the stack's endpoint, region and keys."""
    endpoints = Endpoints(
        aws_endpoint_url="http://127.0.0.1:4566",
        region="eu-west-1",
        ingest_url="http://127.0.0.1:4567/",
        table_name="dev-readings",
        access_key_id="AKIDDEV",
        secret_access_key="dev-secret",
        stack_name="thermostat-dev",
    )
    assert endpoints.client_args() == {
        "endpoint_url": "http://127.0.0.1:4566",
        "region_name": "eu-west-1",
        "aws_access_key_id": "AKIDDEV",
        "aws_secret_access_key": "dev-secret",
    }
