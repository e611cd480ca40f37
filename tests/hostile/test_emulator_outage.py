"""The emulator goes away and comes back while the Pi client and the data plane run.

Real processes: moto_server behind a stoppable TCP front, the local data plane (Function
URL, awslambdaric functions, the stream poller) and ``thermostat-pi run --simulate``.
Afterwards every reading the Pi had acknowledged is in the table exactly once and counted
once in the hourly rollups.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.deploy import deploy_stack
from devstack.simulated_pi import start_pi_process, write_pi_config
from lambda_dataplane.app import AwsEndpoint, DataPlane, DataPlaneOptions
from lambda_dataplane.stack import read_stack
from tests.hostile.outage import StoppableFront
from tests.support.moto import DEV_ACCESS_KEY, DEV_SECRET_KEY, REGION, MotoServer
from tests.support.stack import TEMPLATE
from tests.support.table import counts_by_hour, plain
from tests.support.waiting import wait_for
from thermostat.endpoints import Endpoints

pytestmark = pytest.mark.e2e
DEVICE = "outage-pi"
OUTAGE_S = 3.0  # the fault itself: how long the emulator is gone


class Running:
    def __init__(self, aws: AwsEndpoint, table: str) -> None:
        self.aws, self.table = aws, table

    def items(self) -> list[dict[str, Any]]:
        response = self.aws.client("dynamodb").query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"DEVICE#{DEVICE}"}},
            ConsistentRead=True,
        )
        assert "LastEvaluatedKey" not in response
        return list(response["Items"])

    def readings(self) -> set[str]:
        return {i["sk"]["S"][len("READING#") :] for i in self.items() if "READING#" in i["sk"]["S"]}

    def hourly_total(self) -> int:
        """Readings counted by the rollups (closed hours and the status's open hour)."""
        return sum(counts_by_hour([plain(i) for i in self.items()]).values())


@pytest.fixture
def front(aws: MotoServer) -> Iterator[StoppableFront]:
    front = StoppableFront(aws.port)
    front.start()
    yield front
    front.stop()


@pytest.fixture
def plane(front: StoppableFront, tmp_path: Path) -> Iterator[Running]:
    aws = AwsEndpoint(front.endpoint_url, REGION, DEV_ACCESS_KEY, DEV_SECRET_KEY)
    name = f"outage-{uuid.uuid4().hex[:6]}"
    deploy_stack(aws.client("cloudformation"), TEMPLATE, stack_name=name)
    plan = read_stack(TEMPLATE, stack_name=name, client=aws.client)
    log = (tmp_path / "functions.log").open("a")

    def sink(function: str, line: str) -> None:
        log.write(f"[{function}] {line}\n")

    data_plane = DataPlane(plan, aws, DataPlaneOptions(), log_sink=sink)
    data_plane.start()
    running = Running(aws, plan.outputs["TableName"])
    running.url = data_plane.urls["IngestFunctionUrl"]  # type: ignore[attr-defined]
    yield running
    data_plane.stop()
    log.close()


def spool_state(spool: Path) -> tuple[set[str], dict[str, str], int]:
    """(recorded_at of readings still queued, state counters, dead letters) of a stopped Pi."""
    with sqlite3.connect(f"file:{spool}?mode=ro", uri=True) as db:
        pending = {json.loads(b)["recorded_at"] for (b,) in db.execute("SELECT body FROM readings")}
        state = dict(db.execute("SELECT key, value FROM state").fetchall())
        dead = db.execute("SELECT count(*) FROM dead_letters").fetchone()[0]
    return pending, state, int(dead)


def test_readings_survive_an_emulator_outage_exactly_once(
    front: StoppableFront, plane: Running, tmp_path: Path
) -> None:
    """Emulator gone for 3 s mid-run: acked readings are stored once and rolled up once."""
    config = tmp_path / "pi.toml"
    endpoints = Endpoints(
        aws_endpoint_url=front.endpoint_url,
        region=REGION,
        ingest_url=plane.url,  # type: ignore[attr-defined]
        table_name=plane.table,
        access_key_id=DEV_ACCESS_KEY,
        secret_access_key=DEV_SECRET_KEY,
        stack_name="outage",
    )
    write_pi_config(config, endpoints, device_id=DEVICE, interval=0.2)
    pi = start_pi_process(config, tmp_path / "pi.log")
    try:
        wait_for(lambda: len(plane.readings()) >= 5, timeout=30, what="first readings stored")
        front.stop()
        time.sleep(OUTAGE_S)
        front.start()
        before = len(plane.readings())
        wait_for(lambda: len(plane.readings()) >= before + 10, timeout=60, what="recovery")
    finally:
        pi.terminate()
        pi.wait(timeout=20)
    pending, state, dead = spool_state(config.with_name("pi-spool.db"))
    stored = plane.readings()
    assert dead == 0 and int(state.get("dropped", 0)) == 0
    # Queued readings may already be stored (the 200 was lost in the outage): sent again, same item.
    assert len(stored - pending) == int(state["acked"])
    wait_for(
        lambda: plane.hourly_total() == len(stored),
        timeout=30,
        what=f"rollups of {len(stored)} readings (now {plane.hourly_total()})",
    )
    log = (tmp_path / "pi.log").read_text()
    assert "Connection" in log or "503" in log or "502" in log, "the outage went unnoticed"
