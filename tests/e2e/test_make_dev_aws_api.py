"""Against a running make dev, with only endpoints.json: the real AWS CLI, Lambda API, TTL."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.e2e.devstack_process import Devstack, aws_client
from tests.support.events import url_event
from tests.support.table import counts_by_hour
from tests.support.waiting import wait_for
from thermostat.contract import Reading
from thermostat.items import ReadingItem, from_wire, to_wire

pytestmark = pytest.mark.e2e
AWS = str(Path(sys.executable).with_name("aws"))


def settings(devstack: Devstack) -> dict[str, Any]:
    path = devstack.state_dir / "endpoints.json"
    wait_for(path.exists, timeout=30)
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def cli_env(endpoints: dict[str, Any], *, device: bool = False) -> dict[str, str]:
    """Nothing but what endpoints.json says (no profile, no other AWS_* of this machine)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    prefix = "device_" if device else ""
    env.update(
        AWS_ENDPOINT_URL=endpoints["aws_endpoint_url"],
        AWS_DEFAULT_REGION=endpoints["region"],
        AWS_ACCESS_KEY_ID=endpoints[f"{prefix}access_key_id"],
        AWS_SECRET_ACCESS_KEY=endpoints[f"{prefix}secret_access_key"],
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    return env


def aws(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AWS, *args, "--output", "json"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def client(endpoints: dict[str, Any], service: str) -> Any:
    return aws_client(endpoints, service, config=Config(retries={"max_attempts": 1}))


def reading_event(device: str) -> dict[str, Any]:
    body = {
        "device_id": device,
        "recorded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "temperature_c": 20.5,
        "setpoint_c": 21.0,
        "heating": True,
    }
    return url_event(body)


def test_aws_cli_invokes_both_functions_and_reads_url_and_mapping(
    start_devstack: Callable[..., Devstack], tmp_path: Path
) -> None:
    """aws lambda invoke/get-function-url-config/list-event-source-mappings answer locally."""
    devstack = start_devstack("--no-pi")
    endpoints = settings(devstack)
    env, stack = cli_env(endpoints), devstack.stack_name
    (tmp_path / "event.json").write_text(json.dumps(reading_event(f"cli-{uuid.uuid4().hex[:6]}")))
    done = aws(env, "lambda", "invoke", "--function-name", f"{stack}-ingest",
               "--payload", "file://event.json", "out.json", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["StatusCode"] == 200
    reply = json.loads((tmp_path / "out.json").read_text())
    assert (reply["statusCode"], json.loads(reply["body"])) == (200, {"stored": 1})

    (tmp_path / "stream.json").write_text(json.dumps({"Records": []}))
    done = aws(env, "lambda", "invoke", "--function-name", f"{stack}-stream",
               "--payload", "file://stream.json", "stream-out.json", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "stream-out.json").read_text()) == {"batchItemFailures": []}

    done = aws(env, "lambda", "get-function-url-config", "--function-name", f"{stack}-ingest",
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    url = json.loads(done.stdout)
    assert (url["FunctionUrl"], url["AuthType"]) == (endpoints["ingest_url"], "AWS_IAM")

    done = aws(env, "lambda", "list-event-source-mappings", "--function-name", f"{stack}-stream",
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    (mapping,) = json.loads(done.stdout)["EventSourceMappings"]
    assert mapping["State"] == "Enabled" and mapping["BisectBatchOnFunctionError"] is True
    assert "/stream/" in mapping["EventSourceArn"]


def test_invoke_api_tail_errors_dry_run_and_image_config(
    start_devstack: Callable[..., Devstack],
) -> None:
    """Invoke's LogType=Tail, DryRun and Event; GetFunction's image config."""
    devstack = start_devstack("--no-pi")
    endpoints = settings(devstack)
    lam, name = client(endpoints, "lambda"), f"{devstack.stack_name}-stream"
    broken = lam.invoke(FunctionName=name, Payload=b'"not an event"', LogType="Tail")
    tail = base64.b64decode(broken["LogResult"]).decode()
    assert tail.startswith("START RequestId:") and "REPORT RequestId:" in tail
    assert lam.invoke(FunctionName=name, InvocationType="DryRun")["StatusCode"] == 204
    assert lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
    config = lam.get_function(FunctionName=name)["Configuration"]
    assert config["PackageType"] == "Image"
    assert config["ImageConfigResponse"]["ImageConfig"]["Command"] == [
        "thermostat_stream.handler.handler"
    ]
    assert any(f["FunctionName"] == name for f in lam.list_functions()["Functions"])


def test_device_key_cannot_invoke_the_function_directly(
    start_devstack: Callable[..., Devstack],
) -> None:
    """The device policy's InvokedViaFunctionUrl condition: direct Invoke is AccessDenied."""
    devstack = start_devstack("--no-pi")
    endpoints = settings(devstack)
    device = {**endpoints, "access_key_id": endpoints["device_access_key_id"],
              "secret_access_key": endpoints["device_secret_access_key"]}  # fmt: skip
    with pytest.raises(ClientError) as denied:
        client(device, "lambda").invoke(FunctionName=f"{devstack.stack_name}-ingest", Payload=b"{}")
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


def test_expired_reading_is_removed_by_ttl_and_rollups_stay(
    start_devstack: Callable[..., Devstack],
) -> None:
    """A reading written already expired is gone within 10 s; its hour keeps its count."""
    devstack = start_devstack("--no-pi", "--ttl-interval", "0.5")
    endpoints = settings(devstack)
    ddb, table = client(endpoints, "dynamodb"), endpoints["table_name"]
    device, at = f"ttl-{uuid.uuid4().hex[:6]}", datetime.now(UTC) - timedelta(days=2)
    reading = Reading(device_id=device, recorded_at=at, temperature_c=19.5, setpoint_c=20.0,
                      heating=False)  # fmt: skip
    # expires_at in the past: the stream function folds the INSERT from its record (it never
    # reads the hour back), so the order of the sweep and the fold does not matter.
    item = ReadingItem(reading, datetime.now(UTC), int(time.time()) - 60, None)
    ddb.put_item(TableName=table, Item=to_wire(item.to_item()))
    began = time.monotonic()
    wait_for(
        lambda: "Item" not in ddb.get_item(TableName=table, Key=to_wire(item.key())), timeout=10
    )
    print(f"expired reading removed in {time.monotonic() - began:.1f} s")
    devstack.next_line(f"expired  {device}", timeout=10)

    def counted() -> int:
        items = ddb.query(
            TableName=table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"DEVICE#{device}"}},
        )["Items"]
        return counts_by_hour([from_wire(i) for i in items]).get(f"{at:%Y-%m-%dT%H}", 0)

    wait_for(lambda: counted() == 1, timeout=10)
    # The stream function has seen the REMOVE (the mapping reports OK) and kept the count.
    wait_for(lambda: "OK" in str(client(endpoints, "lambda").list_event_source_mappings()),
             timeout=10)  # fmt: skip
    time.sleep(1)
    assert counted() == 1
