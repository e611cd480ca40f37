"""``thermostat-dataplane`` as a process: serves a deployed stack, stops on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from requests_aws4auth import AWS4Auth

from devstack.deploy import deploy_stack
from devstack.moto import MotoServer, port_is_listening
from lambda_dataplane.app import AwsEndpoint
from tests.e2e.e2e_support import KEY, SECRET, TEMPLATE, functions_of_stack
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
DATAPLANE = str(Path(sys.executable).with_name("thermostat-dataplane"))


@pytest.fixture(scope="module")
def deployed() -> Iterator[tuple[MotoServer, str]]:
    with MotoServer() as moto:
        name = f"cli-{uuid.uuid4().hex[:6]}"
        aws = AwsEndpoint(moto.endpoint_url, "us-east-1", KEY, SECRET)
        deploy_stack(aws.client("cloudformation"), TEMPLATE, stack_name=name)
        yield moto, name


def command(moto: MotoServer, stack_name: str, *extra: str) -> list[str]:
    return [
        DATAPLANE,
        "--endpoint-url",
        moto.endpoint_url,
        "--stack-name",
        stack_name,
        "--template",
        str(TEMPLATE),
        "--access-key-id",
        KEY,
        "--secret-access-key",
        SECRET,
        *extra,
    ]


def test_serves_the_function_url_and_leaves_nothing_after_sigterm(
    deployed: tuple[MotoServer, str], tmp_path: Path
) -> None:
    """Ready file names the URL; a signed POST is stored; SIGTERM stops every process."""
    moto, stack_name = deployed
    ready = tmp_path / "ready.json"
    process = subprocess.Popen(
        command(moto, stack_name, "--ready-file", str(ready)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(ready.exists, timeout=30)
        url = json.loads(ready.read_text())["IngestFunctionUrl"]
        body = {
            "device_id": "cli",
            "recorded_at": "2026-11-21T20:00:00.000Z",
            "temperature_c": 20.0,
            "setpoint_c": 20.0,
            "heating": False,
        }
        answer = requests.post(
            url, json=body, auth=AWS4Auth(KEY, SECRET, "us-east-1", "lambda"), timeout=10
        )
        assert answer.json() == {"stored": 1}
        assert len(functions_of_stack(stack_name)) == 2
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert not port_is_listening(int(url.rstrip("/").rsplit(":", 1)[1]))
    assert functions_of_stack(stack_name) == []


def test_unknown_stack_exits_1_with_a_message(deployed: tuple[MotoServer, str]) -> None:
    """A stack that does not exist is reported on stderr with exit status 1."""
    moto, _ = deployed
    result = subprocess.run(
        command(moto, "no-such-stack"), capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1
    assert "no-such-stack" in result.stderr
