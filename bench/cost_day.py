"""One simulated device for one simulated day, through the real code, on a virtual clock.

The Pi's own control loop in a simulated house takes a reading a minute (``tick``), spools it
(SQLite on tmpfs) and its uploader sends when its cadence says; each POST reaches the ingest
handler as a Function URL event. The local data plane's shard poller reads the table's real
stream from moto_server and forms batches with the template's BatchSize and batching window on
the same clock, calling the stream handler; the health check runs on the template's schedule.
An hour of warm-up comes first (the status item and the first rollups exist, as on any day
but the first), then the meter is reset and one day is metered.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.config import Config

from bench import cost_functions
from bench.cost_stack import (
    DAY_S,
    HOUR_S,
    Day,
    Scenario,
    point_in_time_recovery,
    session,
    specs,
    table_bytes,
)
from bench.meter import Meter
from bench.usage import FunctionUsage, TableShape
from lambda_dataplane.shard_poller import ShardPoller
from lambda_dataplane.stack import read_stack
from tests.support.moto import MotoServer
from tests.support.stack import TEMPLATE
from thermostat import aws
from thermostat.identities import device_path, device_user_name
from thermostat.stacks import deploy_stack
from thermostat_pi.outbox import Outbox
from thermostat_pi.remote_settings import RemoteSettings
from thermostat_pi.service import tick
from thermostat_pi.simulation import VirtualClock, simulated_pi
from thermostat_pi.uploader import Uploader
from thermostat_stream import health as health_handler

START = datetime(2026, 11, 2, 23, tzinfo=UTC)  # one hour of warm-up, then 3 November
WARM_UP_S = 3600.0
DEVICE = "living-room"
IMAGES = {"IngestImageUri": "thermostat-ingest:bench", "StreamImageUri": "thermostat-stream:bench"}


class DaySimulation:
    def __init__(self, moto: MotoServer, scenario: Scenario, number: int, rules: Any) -> None:
        self.scenario, self.rules = scenario, rules
        self.stack = f"cost{number}"
        self.aws = session(moto)  # the bench's own, unmetered
        # The template's own defaults (what AWS gets), not make dev's local overrides; only
        # the Function URL and the mapping are left to the local data plane.
        outputs = deploy_stack(
            self.aws.client("cloudformation"),
            stack_name=self.stack,
            template_body=TEMPLATE.read_text(),
            parameters={**IMAGES, "LocalDataPlane": "true", **scenario.parameters},
            timeout=120,
            poll=0.05,
        )
        self.plan = read_stack(TEMPLATE, stack_name=self.stack, client=self._client)
        self.table = outputs["TableName"]
        self.lookup = self.aws.client("dynamodb")
        self.shape = TableShape.describe(self.lookup, self.table)
        self.meter = Meter(
            self.lookup,
            {self.table: self.shape},
            write_unit_bytes=int(rules.rule("dynamodb_write_unit_bytes")),
            read_unit_bytes=int(rules.rule("dynamodb_read_unit_bytes")),
            sns_chunk_bytes=int(rules.rule("sns_publish_chunk_bytes")),
        )
        self.clock = VirtualClock(START)
        environments = {
            cost_functions.ROLES[f.handler]: dict(f.environment)
            for f in self.plan.functions.values()
        }
        arn = f"arn:aws:iam::{cost_functions.ACCOUNT}:user{device_path(self.stack, DEVICE)}"
        self.specs = specs(self.plan.parameters, scenario.memory_mb)
        self.functions = cost_functions.build(
            self.meter,
            environments,
            now=self.clock.now,
            monotonic=self.clock.monotonic,
            device_arn=arn + device_user_name(self.stack, DEVICE),
            log_levels={role: s.application_log_level for role, s in self.specs.items()},
        )

    def _client(self, service: str) -> Any:
        return self.aws.client(service)  # type: ignore[call-overload]

    def _poller(self) -> ShardPoller:
        mapping = self.plan.mappings[0].config
        streams = self.aws.client("dynamodbstreams")
        [shard] = streams.describe_stream(StreamArn=mapping.stream_arn)["StreamDescription"][
            "Shards"
        ]
        return ShardPoller(
            mapping,
            shard_id=shard["ShardId"],
            iterator_type="TRIM_HORIZON",
            streams=streams,
            sqs=self.aws.client("sqs"),
            invoker=self.functions,
            clock=self.clock.now,
            monotonic=self.clock.monotonic,
        )

    def run(self) -> Day:
        overhead = int(self.rules.rule("dynamodb_item_overhead_bytes"))
        with tempfile.TemporaryDirectory(prefix="bench-cost-") as folder:
            outbox = Outbox(Path(folder) / "spool.db", monotonic=self.clock.monotonic)
            settings = RemoteSettings(Path(folder) / "settings.json", default_setpoint_c=20.5)
            uploader = Uploader(
                spool=outbox,
                url="http://bench/",
                device=settings,
                transport=cost_functions.InProcessUrl(self.functions),
                cadence=self.scenario.cadence,
                monotonic=self.clock.monotonic,
                sleep=lambda _: None,
            )
            try:
                before, readings = self._loop(outbox, uploader, overhead)
            finally:
                outbox.close()
        if self.functions.refused:  # a cost of readings not stored would be no cost at all
            raise RuntimeError(f"ingest refused uploads: {self.functions.refused[:5]}")
        added = table_bytes(self.lookup, self.table, self.shape, overhead) - before
        return Day(
            self.scenario,
            dict(self.meter.usage),
            self.specs,
            readings,
            added,
            point_in_time_recovery(self.plan.parameters),
            max(self.functions.waited, default=0.0),
            DAY_S / self.plan.schedules[0].interval_s,
            self.plan.mappings[0].config.batch_size,
            self.plan.mappings[0].config.batching_window_seconds,
        )

    def _loop(self, outbox: Outbox, uploader: Uploader, overhead: int) -> tuple[int, int]:
        """Run the warm-up and the day; (table bytes when the day began, readings taken)."""
        schedule = self.plan.schedules[0]
        window = self.plan.mappings[0].config.batching_window_seconds
        pi = simulated_pi(monotonic=self.clock.monotonic, now=self.clock.now, setpoint_c=20.5)
        poller = self._poller()
        next_reading, next_health = 0.0, schedule.interval_s
        upload_at: float | None = None
        stream_at: float | None = None
        before, metered, readings = 0, False, 0
        while True:
            moments = (next_reading, next_health, upload_at, stream_at)
            t = min(x for x in moments if x is not None)
            if t >= WARM_UP_S + self.scenario.hours * HOUR_S:
                return before, readings
            if not metered and t >= WARM_UP_S:  # the metered day starts
                metered = True
                self.meter.usage.clear()
                self.functions.waited.clear()
                before = table_bytes(self.lookup, self.table, self.shape, overhead)
            self.clock.advance(t - self.clock.monotonic())
            if t == next_reading:
                tick(thermostat=pi.thermostat, outbox=outbox, device_id=DEVICE, now=self.clock.now)
                readings += int(metered)
                next_reading += self.scenario.interval_s
            if t == next_health:
                self.functions.health(schedule.rule_arn)
                next_health += schedule.interval_s
            sent = len(self.functions.waited)
            due = uploader.send_if_due()
            upload_at = None if due is None else t + max(due, 0.001)
            if len(self.functions.waited) == sent and t != stream_at:
                continue  # nothing new in the stream, no batch due
            while poller.step():
                pass
            since = poller.reader.buffered_since
            # A hair past the window: the poller compares the time waited with it.
            stream_at = None if since is None else max(t, since + window) + 0.001

    def health_at(self, devices: int) -> FunctionUsage:
        """One health-check run with ``devices`` status items in the index (copies of this
        device's, heard from just now): what a stack of that many devices pays per run."""
        status = self.lookup.get_item(
            TableName=self.table, Key={"pk": {"S": f"DEVICE#{DEVICE}"}, "sk": {"S": "STATUS"}}
        )["Item"]
        for n in range(1, devices):
            other = f"{DEVICE}-{n:04d}"
            copy = {**status, "pk": {"S": f"DEVICE#{other}"}, "device_id": {"S": other}}
            self.lookup.put_item(TableName=self.table, Item=copy)
            self.meter.known(self.table, copy)
        self.meter.usage.pop("health", None)
        # moto answers an index Query by scanning every item: give it time (the function's
        # own 5 s read timeout is for DynamoDB). Its wait is an upper bound of DynamoDB's.
        table = health_handler._check.table if health_handler._check else None
        assert table is not None
        with self.meter.installed(aws.session()):
            patient: Any = aws.session().create_client("dynamodb", config=Config(read_timeout=300))
        table._client, saved = patient, table._client
        try:
            self.functions.health(self.plan.schedules[0].rule_arn)
        finally:
            table._client = saved
        usage = self.meter.usage.pop("health")
        for n in range(1, devices):  # leave the table as the day left it
            key = {"pk": {"S": f"DEVICE#{DEVICE}-{n:04d}"}, "sk": {"S": "STATUS"}}
            self.lookup.delete_item(TableName=self.table, Key=key)
        return usage
