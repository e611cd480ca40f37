"""The data plane of one stack: a runtime per function, its Function URLs, its stream mappings."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import boto3

from lambda_dataplane.config import FunctionConfig
from lambda_dataplane.function_runtime import FunctionRuntime, LogSink, default_log_sink
from lambda_dataplane.function_url import AuthType, FunctionUrlServer
from lambda_dataplane.iam_principals import (
    Directory,
    EmulatorIam,
    PrincipalDirectory,
    StaticPrincipals,
    admin_principal,
    moto_secrets,
)
from lambda_dataplane.lambda_api_model import RecentLogs
from lambda_dataplane.launchers import DockerLauncher, Launcher, ProcessLauncher
from lambda_dataplane.schedules import Schedule
from lambda_dataplane.sigv4 import Credential
from lambda_dataplane.stack import StackPlan
from lambda_dataplane.stream_mapping import StreamMapping
from lambda_dataplane.url_guard import UrlGuard, UrlObserver

log = logging.getLogger(__name__)
Mode = Literal["process", "docker"]


@dataclass(frozen=True)
class AwsEndpoint:
    """Where the emulator is and the credentials functions and pollers use against it."""

    endpoint_url: str
    region: str
    access_key_id: str
    secret_access_key: str

    def client(self, service: str) -> Any:
        from botocore.config import Config

        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            # botocore's default 60 s read timeout would let one half-open connection stall a
            # shard poller for a minute; the emulator answers in milliseconds.
            config=Config(connect_timeout=5, read_timeout=10),
        )

    def function_env(self) -> dict[str, str]:
        # boto3 in the function honours AWS_ENDPOINT_URL, so handlers need no local switch.
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }


@dataclass(frozen=True)
class DataPlaneOptions:
    mode: Mode = "process"
    url_host: str = "127.0.0.1"
    url_port: int = 0  # the first Function URL's port; others get a free one
    pythonpath: tuple[Path, ...] = ()
    url_credentials: Mapping[str, Credential] = field(default_factory=dict)
    poll_interval: float = 0.05
    # Who may sign: the admin key (AwsEndpoint's), url_credentials, then the emulator's IAM
    # users (secrets read from moto when emulator_iam is "moto"; "none": no IAM users).
    emulator_iam: Literal["moto", "none"] = "moto"
    url_observer: UrlObserver | None = None  # refusals explained, 4xx replies
    schedule_interval: float | None = None  # run the template's schedules this often instead
    # Wraps the dynamodbstreams client every mapping reads through (e.g. to attribute TTL
    # deletions to the DynamoDB service, which moto's stream records do not).
    wrap_streams: Callable[[Any], Any] | None = None


def make_launcher(options: DataPlaneOptions) -> Launcher:
    if options.mode == "docker":
        return DockerLauncher()
    return ProcessLauncher(pythonpath=options.pythonpath)


class DataPlane:
    """Start with :meth:`start`; :meth:`stop` stops pollers, URLs and environments in turn."""

    def __init__(
        self,
        plan: StackPlan,
        aws: AwsEndpoint,
        options: DataPlaneOptions,
        *,
        log_sink: LogSink | None = None,
        runtime_factory: Callable[[FunctionConfig], FunctionRuntime] | None = None,
    ) -> None:
        self.plan, self.aws, self.options = plan, aws, options
        self._log_sink = log_sink or default_log_sink
        self.recent_logs = RecentLogs()  # Invoke with LogType=Tail reads these
        self._make_runtime = runtime_factory or self._runtime
        self.runtimes: dict[str, FunctionRuntime] = {}
        self.url_servers: dict[str, FunctionUrlServer] = {}
        self.mappings: dict[str, StreamMapping] = {}
        self.schedules: dict[str, Schedule] = {}
        self.directory = self._directory()

    def _directory(self) -> PrincipalDirectory:
        """Every key that may sign here, with its identity policies."""
        account = self.plan.account_id
        keys = {self.aws.access_key_id: self.aws.secret_access_key}
        keys.update({k: c.secret_access_key for k, c in self.options.url_credentials.items()})
        admins = StaticPrincipals(
            admin_principal(key, secret, account_id=account, name=f"local-admin-{index}")
            for index, (key, secret) in enumerate(keys.items())
        )
        directories: list[Directory] = [admins]
        if self.options.emulator_iam == "moto":
            secrets = moto_secrets(self.aws.endpoint_url)
            directories.append(EmulatorIam(self.aws.client("iam"), secrets))
        return PrincipalDirectory(*directories)

    @property
    def urls(self) -> dict[str, str]:
        """Function URL by logical id (``IngestFunctionUrl``)."""
        return {logical: server.url for logical, server in self.url_servers.items()}

    def _runtime(self, config: FunctionConfig) -> FunctionRuntime:
        return FunctionRuntime(
            config,
            launcher=make_launcher(self.options),
            extra_env=self.aws.function_env(),
            log_sink=self._sink,
            region=self.aws.region,
        )

    def _sink(self, function: str, line: str) -> None:
        self.recent_logs.add(function, line)
        self._log_sink(function, line)

    def start(self) -> None:
        """Everything up, or everything that started stopped again and the error raised."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        for name, config in self.plan.functions.items():
            runtime = self._make_runtime(config)
            self.runtimes[name] = runtime
            runtime.start()
        # Mappings before URLs: a LATEST mapping is positioned before the first request.
        for mapping_spec in self.plan.mappings:
            if not mapping_spec.config.enabled:
                continue
            mapping = StreamMapping(
                mapping_spec.config,
                invoker=self.runtimes[mapping_spec.function.name],
                streams=self._streams_client(),
                sqs=self.aws.client("sqs"),
                poll_interval=self.options.poll_interval,
            )
            self.mappings[mapping_spec.logical_id] = mapping
            mapping.start()
            log.info("%s -> %s", mapping_spec.logical_id, mapping_spec.function.name)
        self._start_schedules()
        port = self.options.url_port
        for spec in self.plan.urls:
            auth_type: AuthType = "NONE" if spec.auth_type == "NONE" else "AWS_IAM"
            guard = UrlGuard(
                directory=self.directory,
                function_arn=spec.function.arn,
                auth_type=auth_type,
                resource_policy=spec.resource_policy,
            )
            server = FunctionUrlServer(
                self.runtimes[spec.function.name],
                auth_type=auth_type,
                region=self.aws.region,
                host=self.options.url_host,
                port=port,
                guard=guard,
                observer=self.options.url_observer,
            )
            port = 0
            self.url_servers[spec.logical_id] = server
            server.start()
            log.info(
                "%s: %s (%s) -> %s", spec.logical_id, server.url, spec.auth_type, spec.function.name
            )

    def _streams_client(self) -> Any:
        client = self.aws.client("dynamodbstreams")
        return self.options.wrap_streams(client) if self.options.wrap_streams else client

    def _start_schedules(self) -> None:
        for spec in self.plan.schedules:
            schedule = Schedule(
                spec,
                self.runtimes[spec.function.name],
                account_id=self.plan.account_id,
                region=self.plan.region,
                interval_s=self.options.schedule_interval,
            )
            self.schedules[spec.logical_id] = schedule
            schedule.start()
            log.info(
                "%s: every %.0f s -> %s", spec.logical_id, schedule.interval_s, spec.function.name
            )

    def stop(self) -> None:
        """URLs first (no new requests; those in flight finish), then schedules and pollers,
        then functions."""
        for server in self.url_servers.values():
            server.stop()
        for schedule in self.schedules.values():
            schedule.stop()
        self.schedules.clear()
        for mapping in self.mappings.values():
            mapping.stop()
        for runtime in self.runtimes.values():
            runtime.stop()
        self.mappings.clear()
        self.url_servers.clear()
        self.runtimes.clear()
