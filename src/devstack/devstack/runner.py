"""The processes of ``make dev``, started in order and stopped in reverse."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.deploy import deploy_stack
from devstack.feed import FeedPrinter
from devstack.journal import TableJournal, keep_table
from devstack.local_aws import (
    DEFAULT_TTL_INTERVAL,
    LocalAws,
    feed_lines,
    prepare_ttl,
    start_local_aws,
)
from devstack.moto import MotoServer
from devstack.persistence import TableFiles
from devstack.simulated_pi import forget_pi_state, start_pi_process, write_pi_config
from lambda_dataplane import children
from lambda_dataplane.app import AwsEndpoint, DataPlane, DataPlaneOptions
from lambda_dataplane.stack import read_stack
from lambda_dataplane.stream_config import StreamMappingConfig
from lambda_dataplane.stream_mapping import StreamMapping
from thermostat.endpoints import Endpoints

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DevSettings:
    port: int
    url_port: int
    region: str
    access_key_id: str
    secret_access_key: str
    stack_name: str
    template: Path
    state_dir: Path
    pi: bool
    device_id: str
    interval: float
    ttl_interval: float = DEFAULT_TTL_INTERVAL
    fresh: bool = False  # start with an empty table (the kept data is deleted)
    parameters: Mapping[str, str] = field(default_factory=dict)  # template overrides
    schedule_interval: float | None = None  # seconds between schedule runs (None: template's)


class DevStack:
    """moto_server, the stack, the data plane, a feed of what happens, and a Pi."""

    def __init__(self, settings: DevSettings, *, write: Any = print) -> None:
        self.settings = settings
        self._write = write
        self._log_lock = threading.Lock()
        self._function_log = (settings.state_dir / "functions.log").open("a", encoding="utf-8")
        # moto listens on an internal port; --port is the front that answers for every API.
        self.moto = MotoServer(0, log_path=settings.state_dir / "moto.log")
        self.aws = AwsEndpoint(
            self.moto.endpoint_url,
            settings.region,
            settings.access_key_id,
            settings.secret_access_key,
        )
        self.plane: DataPlane | None = None
        self.feed: StreamMapping | None = None
        self.pi_process: subprocess.Popen[bytes] | None = None
        self.endpoints: Endpoints | None = None
        self.journal: TableJournal | None = None
        self.restored = 0  # items brought back from .devstack/data
        self.local_aws: LocalAws | None = None

    @property
    def data_files(self) -> TableFiles:
        return TableFiles(self.settings.state_dir / "data" / self.settings.stack_name)

    def start(self) -> Endpoints:
        s = self.settings
        began = time.monotonic()
        self.moto.start()
        log.info("moto_server up in %.2f s", time.monotonic() - began)
        # LATEST: the restored items are already processed; the stream function and the feed
        # must see only what is written from now on (the mappings open their iterators in
        # start(), before the Function URL takes its first request).
        deploy_stack(
            self.aws.client("cloudformation"),
            s.template,
            stack_name=s.stack_name,
            parameters={**s.parameters, "StreamStartingPosition": "LATEST"},
        )
        plan = read_stack(s.template, stack_name=s.stack_name, client=self.aws.client)
        log.info("stack deployed and read at %.2f s", time.monotonic() - began)
        self._keep_table(plan.outputs["TableName"], plan.outputs["TableStreamArn"])
        ttl = prepare_ttl(self.aws, s.template, stack_name=s.stack_name)
        self.feed = StreamMapping(
            StreamMappingConfig(
                function_arn="devstack-feed",
                stream_arn=plan.outputs["TableStreamArn"],
                starting_position="LATEST",
            ),
            invoker=FeedPrinter(self._write),
            streams=ttl.wrap_streams(self.aws.client("dynamodbstreams")),
            sqs=self.aws.client("sqs"),
            poll_interval=0.1,
        )
        self.feed.start()
        options = DataPlaneOptions(
            url_port=s.url_port,
            url_observer=feed_lines(self._write),
            wrap_streams=ttl.wrap_streams,
            schedule_interval=s.schedule_interval,
        )
        self.plane = DataPlane(plan, self.aws, options, log_sink=self._function_line)
        self.plane.start()
        log.info("data plane up at %.2f s", time.monotonic() - began)
        self.local_aws = start_local_aws(
            self.aws,
            self.plane,
            ttl,
            host="127.0.0.1",
            port=s.port,
            device_id=s.device_id,
            ttl_interval=s.ttl_interval,
        )
        auth = next(iter(plan.urls)).auth_type if plan.urls else "AWS_IAM"
        device = self.local_aws.device
        self.endpoints = Endpoints(
            aws_endpoint_url=self.local_aws.front.endpoint_url,
            region=s.region,
            ingest_url=next(iter(self.plane.urls.values())),
            table_name=plan.outputs["TableName"],
            access_key_id=s.access_key_id,
            secret_access_key=s.secret_access_key,
            auth_type=auth,
            stack_name=s.stack_name,
            device_id=device.device_id,
            device_access_key_id=device.access_key_id,
            device_secret_access_key=device.secret_access_key,
        )
        self.endpoints.write(s.state_dir / "endpoints.json")
        if s.pi:
            self._start_pi()
        return self.endpoints

    def _keep_table(self, table: str, stream_arn: str) -> None:
        files = self.data_files
        if self.settings.fresh:
            shutil.rmtree(files.directory, ignore_errors=True)
        began = time.monotonic()
        self.journal, self.restored, skipped = keep_table(
            self.aws.client("dynamodb"),
            self.aws.client("dynamodbstreams"),
            table=table,
            stream_arn=stream_arn,
            files=files,
        )
        log.info("restored %d items in %.2f s", self.restored, time.monotonic() - began)
        if skipped:
            self._write(f"Kept data: {skipped} unreadable line(s) in {files.directory} skipped")

    def failure(self) -> str | None:
        """Why the stack cannot go on (moto_server died), or None while it is healthy."""
        code = self.moto.exit_code()
        if code is None:
            return None
        log = self.settings.state_dir / "moto.log"
        return f"moto_server (pid {self.moto.pid}) exited with code {code}; its log: {log}"

    def children(self) -> list[dict[str, object]]:
        """The long-lived children, for the lock file (a later start ends any left over)."""
        found: list[dict[str, object]] = []
        if self.moto.pid is not None:
            found.append({"pid": self.moto.pid, "marker": "moto.server"})
        if self.pi_process is not None:
            found.append({"pid": self.pi_process.pid, "marker": "thermostat-pi"})
        return found

    def _start_pi(self) -> None:
        s = self.settings
        assert self.endpoints is not None
        config = s.state_dir / "pi.toml"
        if s.fresh:
            forget_pi_state(s.state_dir)
        write_pi_config(config, self.endpoints, device_id=s.device_id, interval=s.interval)
        self.pi_process = start_pi_process(config, s.state_dir / "pi.log")

    def _function_line(self, function: str, line: str) -> None:
        with self._log_lock:
            self._function_log.write(f"[{function}] {line}\n")
            self._function_log.flush()
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        # Errors are shown; everything else stays in .devstack/functions.log.
        if isinstance(entry, dict) and entry.get("level") in ("ERROR", "CRITICAL"):
            self._write(f"function {function}: {entry.get('message')} {entry.get('error', '')}")

    def stop(self) -> None:
        """The Pi; the data plane (its URL first, letting requests in flight finish); the AWS
        front and the TTL sweeper; the feed; the journal, once it has read the stream to its
        end; moto_server last."""
        if self.pi_process is not None:
            children.stop(self.pi_process)
        if self.plane is not None:
            self.plane.stop()
        if self.local_aws is not None:
            self.local_aws.stop()
        if self.feed is not None:
            self.feed.stop()
        if self.journal is not None:
            self.journal.stop()
        self.moto.stop()
        (self.settings.state_dir / "endpoints.json").unlink(missing_ok=True)
        self._function_log.close()
