"""What only the compose stack on LocalStack has: its init hook, its health, the data plane
as a compose service, and the users' tools pointed at it by the endpoints file.

`make test-e2e` runs these with E2E_BACKEND=localstack (`pytest -m localstack`), beside
test_pipeline.py's scenarios, on one `docker compose up` for the session.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lambda_dataplane import children
from tests.docker.compose_backend import GATEWAY, ComposeStack, init_report
from tests.docker.payloads import post_ok, reading
from tests.support.pi_process import pi_status, queued, start_pi
from thermostat.items import device_pk

pytestmark = [pytest.mark.localstack, pytest.mark.timeout(900)]
BIN = Path(sys.executable).parent
SERVICES = [
    *("cloudformation", "dynamodb", "dynamodbstreams", "iam", "kms"),
    *("lambda", "logs", "sns", "sqs", "sts"),
]


def test_ready_hook_deployed_the_stack_without_errors(compose: ComposeStack) -> None:
    """The ready.d hook ran once and succeeded; the stack is complete; the endpoints file says
    the data plane runs the functions."""
    assert init_report() == {
        "completed": True,
        "scripts": [{"stage": "READY", "name": "10-deploy-stack.sh", "state": "SUCCESSFUL"}],
    }
    [described] = compose.client("cloudformation").describe_stacks(StackName=compose.stack_name)[
        "Stacks"
    ]
    assert described["StackStatus"] == "CREATE_COMPLETE"
    assert compose.endpoints_file is not None
    endpoints = json.loads(compose.endpoints_file.read_text())
    assert endpoints["functions_run_by"] == "dataplane"
    assert endpoints["aws_endpoint_url"] == GATEWAY


def test_localstack_is_4_14_0_with_every_service_the_stack_needs(compose: ComposeStack) -> None:
    """/_localstack/health: version 4.14.0, and each service in SERVICES is up."""
    with urllib.request.urlopen(f"{GATEWAY}/_localstack/health", timeout=10) as answer:
        health = json.loads(answer.read())
    assert health["version"] == "4.14.0"
    assert {name: health["services"][name] for name in SERVICES} == dict.fromkeys(
        SERVICES, health["services"]["dynamodb"]
    )
    assert health["services"]["dynamodb"] in ("available", "running")


def test_thermostat_command_finds_the_stack_with_no_flags(
    compose: ComposeStack, tmp_path: Path
) -> None:
    """From a checkout whose .localstack/endpoints.json is the stack's, `thermostat status`
    shows a device posted through the Function URL."""
    device = f"cli-{uuid.uuid4().hex[:6]}"
    post_ok(compose, reading(device, 40, 21.5))
    compose.eventually("device status", lambda: compose.item(device_pk(device), "STATUS"))
    assert compose.endpoints_file is not None
    (tmp_path / ".localstack").mkdir()
    shutil.copy(compose.endpoints_file, tmp_path / ".localstack" / "endpoints.json")
    (tmp_path / "docs").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run(
        [str(BIN / "thermostat"), "status"],
        cwd=tmp_path / "docs",
        env={**env, "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert device in done.stdout


def stored_times(compose: ComposeStack, device: str) -> list[str]:
    """recorded_at of every reading of ``device`` in the table, oldest first."""
    answer = compose.client("dynamodb").query(
        TableName=compose.table_name,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
        ExpressionAttributeValues={":pk": {"S": device_pk(device)}, ":sk": {"S": "READING#"}},
        ConsistentRead=True,
    )
    return [item["recorded_at"]["S"] for item in answer["Items"]]


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def test_pi_client_delivers_across_a_restart_of_the_dataplane_service(
    compose: ComposeStack, tmp_path: Path
) -> None:
    """`thermostat-pi run --simulate` with endpoints_file set to the stack's file: readings
    taken while the data plane is stopped stay spooled, then arrive once it is back; every
    acknowledged reading is in the table, none dead-lettered, and the stream side goes on."""
    device = f"pi-{uuid.uuid4().hex[:6]}"
    config = tmp_path / "config.toml"
    config.write_text(
        f'device_id = "{device}"\ninterval_seconds = 1\nspool_path = "spool.db"\n'
        f'endpoints_file = "{compose.endpoints_file}"\n'
    )
    log = tmp_path / "pi.log"
    pi = start_pi(config, log=log)
    try:
        compose.eventually(
            "3 readings stored", lambda: len(stored_times(compose, device)) >= 3 or None, 60
        )
        stop_run = compose.compose_run("stop", "dataplane")
        assert stop_run.returncode == 0, stop_run.stderr
        down_at, stopped = now(), time.monotonic()

        def outage_spooled() -> bool | None:
            # 3 s of outage at one reading a second: some readings are surely taken while
            # the data plane was down, whatever the spool held when it stopped.
            return (time.monotonic() - stopped >= 3 and queued(config) >= 3) or None

        compose.eventually("3 readings spooled during the outage", outage_spooled, 60)
        start_run = compose.compose_run("start", "dataplane")
        assert start_run.returncode == 0, start_run.stderr
        up_at = now()
        compose.eventually("the spool drained", lambda: queued(config) == 0 or None, 180)
    finally:
        children.stop(pi, sig=signal.SIGINT, grace=30)
        # The stack is shared by the session: whatever failed above, later scenarios need the
        # data plane running (`start` on a running service does nothing).
        compose.compose_run("start", "dataplane")
    status = pi_status(config)
    times = stored_times(compose, device)
    assert int(status["sent"]) == len(times), log.read_text()
    assert status["dead letters"] == "0"
    assert [t for t in times if down_at <= t <= up_at], f"none taken during the outage: {times}"

    def status_caught_up() -> dict[str, Any] | None:
        item = compose.item(device_pk(device), "STATUS")
        return item if item and item["last_recorded_at"]["S"] >= times[-1] else None

    compose.eventually("the device status after the restart", status_caught_up, 120)
