"""FunctionRuntime: one warm execution environment per function, invoked one event at a time."""

from __future__ import annotations

import logging
import signal
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from lambda_dataplane.concurrency import ConcurrencyLimit
from lambda_dataplane.config import MAX_REQUEST_BYTES, FunctionConfig, InvocationResult
from lambda_dataplane.errors import InvocationTooLargeError, LaunchError, RuntimeStoppedError
from lambda_dataplane.invocation import Invocation, error_payload
from lambda_dataplane.launchers import ExecutionEnvironment, Launcher, ProcessLauncher
from lambda_dataplane.runtime_api import RuntimeApiServer

LogSink = Callable[[str, str], None]
"""Receives (function name, one line of the function's stdout/stderr)."""

_function_log = logging.getLogger("lambda_dataplane.function")
# Go's names for the signals Lambda reports in "Runtime exited with error: signal: ...".
_SIGNAL_TEXT = {
    signal.SIGKILL: "killed",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGTERM: "terminated",
    signal.SIGABRT: "aborted",
}


def default_log_sink(function: str, line: str) -> None:
    """Log each function output line at INFO on `lambda_dataplane.function`."""
    _function_log.info("[%s] %s", function, line)


def exit_reason(returncode: int) -> str:
    """Lambda's wording for how a runtime process ended."""
    if returncode < 0:
        sig = signal.Signals(-returncode)
        return f"signal: {_SIGNAL_TEXT.get(sig, sig.name.lower())}"
    return f"exit status {returncode}"


@dataclass
class _Live:
    server: RuntimeApiServer
    env: ExecutionEnvironment
    threads: tuple[threading.Thread, ...]


class FunctionRuntime:
    """Runs one function: implements Invoker.

    config: what to run. launcher: ProcessLauncher (default) or DockerLauncher.
    extra_env: added last to the environment (credentials, AWS_ENDPOINT_URL, ...).
    log_sink: gets (function name, line) for each output line. region: AWS_REGION.
    init_timeout: how long an environment may take to ask for its first event (Lambda: 10 s).
    """

    def __init__(
        self,
        config: FunctionConfig,
        *,
        launcher: Launcher | None = None,
        extra_env: Mapping[str, str] | None = None,
        log_sink: LogSink | None = None,
        region: str = "us-east-1",
        init_timeout: float = 10.0,
    ) -> None:
        self.config = config
        self.launcher: Launcher = launcher or ProcessLauncher()
        self.extra_env = dict(extra_env or {})
        self.log_sink = log_sink or default_log_sink
        self.region = region
        self.init_timeout = init_timeout
        self.launches = 0  # how many environments were started (restarts included)
        # Every path in (Function URL, Invoke, stream mapping, schedule) passes invoke().
        self.concurrency = ConcurrencyLimit(config.name, config.reserved_concurrency)
        self._lock = threading.Lock()  # serializes invoke/start/stop: one environment, one event
        self._live: _Live | None = None
        self._started = False

    def lambda_environment(self, runtime_api: str) -> dict[str, str]:
        """The variables an environment gets: function's own, Lambda's reserved ones, extras."""
        cfg = self.config
        stream = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        return {
            **cfg.environment,
            "AWS_LAMBDA_FUNCTION_NAME": cfg.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(cfg.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{cfg.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "_HANDLER": cfg.handler,
            "TZ": ":UTC",
            **self.extra_env,
        }

    def start(self) -> None:
        """Start a warm environment now, so the first invoke does not pay the launch."""
        with self._lock:
            self._started = True
            self._ensure_live()

    def stop(self) -> None:
        """Kill the environment and stop its Runtime API; invoke() raises afterwards."""
        with self._lock:
            self._started = False
            self._discard()

    def invoke(self, payload: bytes, *, timeout: float | None = None) -> InvocationResult:
        """Run one event; `timeout` (seconds) overrides the function's configured timeout.
        ThrottledError when the reserved concurrency is in use (nothing ran)."""
        if len(payload) > MAX_REQUEST_BYTES:
            raise InvocationTooLargeError(
                f"{len(payload)} bytes exceeds the {MAX_REQUEST_BYTES}-byte request limit"
            )
        begun = time.monotonic()
        limit = float(timeout if timeout is not None else self.config.timeout_seconds)
        with self.concurrency.slot(), self._lock:
            if not self._started:
                raise RuntimeStoppedError(f"function {self.config.name} is not started")
            inv = self._attempt(Invocation(payload, timeout_seconds=limit))
            if inv.lost_before_dispatch:
                # The environment died before taking the event (e.g. killed while idle):
                # the function never saw it, so a fresh environment gets it, as on Lambda.
                inv = self._attempt(Invocation(payload, limit, request_id=inv.request_id))
        return InvocationResult(
            request_id=inv.request_id,
            payload=inv.result,
            function_error=inv.function_error,
            duration_ms=(time.monotonic() - begun) * 1000,
        )

    def _attempt(self, inv: Invocation) -> Invocation:
        live = self._ensure_live()
        live.server.submit(inv)
        if not inv.wait_dispatched(self.init_timeout):
            self._fail(inv, f"Init timed out after {self.init_timeout:.2f} seconds")
        elif not inv.wait_done(inv.deadline_ms / 1000 - time.time()):
            self._fail(inv, f"Task timed out after {inv.timeout_seconds:.2f} seconds")
        if not live.server.healthy or self._live is None:
            self._restart()  # timed out, crashed or failed init: a fresh one, warm again
        return inv

    def _fail(self, inv: Invocation, text: str) -> None:
        message = f"RequestId: {inv.request_id} Error: {text}"
        if inv.finish(error_payload("Sandbox.Timedout", message), "Unhandled"):
            self.log_sink(self.config.name, message)
            self._discard()  # like Lambda, a timed-out sandbox is not reused

    def _restart(self) -> None:
        self._discard()
        try:
            self._ensure_live()
        except LaunchError as err:  # the next invoke retries and raises
            self.log_sink(self.config.name, f"cannot restart the environment: {err}")

    def _ensure_live(self) -> _Live:
        live = self._live
        # returncode is set as soon as the exit watcher has reaped the process.
        if live is not None and live.server.healthy and live.env.process.returncode is None:
            return live
        self._discard()
        server = RuntimeApiServer(function_arn=self.config.arn)
        server.start()
        try:
            env = self.launcher.launch(self.config, self.lambda_environment(server.address))
        except BaseException:
            server.stop()
            raise
        self.launches += 1
        threads = (
            threading.Thread(target=self._pump_logs, args=(env,), daemon=True),
            threading.Thread(target=self._watch_exit, args=(env, server), daemon=True),
        )
        for thread in threads:
            thread.start()
        self._live = _Live(server, env, threads)
        return self._live

    def _discard(self) -> None:
        live, self._live = self._live, None
        if live is None:
            return
        live.env.kill()
        live.server.stop()
        for thread in live.threads:
            thread.join(timeout=5)

    def _pump_logs(self, env: ExecutionEnvironment) -> None:
        assert env.process.stdout is not None
        for raw in env.process.stdout:
            self.log_sink(self.config.name, raw.decode("utf-8", "replace").rstrip("\r\n"))

    @staticmethod
    def _watch_exit(env: ExecutionEnvironment, server: RuntimeApiServer) -> None:
        server.environment_exited(exit_reason(env.process.wait()))
