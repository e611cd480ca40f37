"""FunctionRuntime driving real `python -m awslambdaric` processes through the Runtime API."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from lambda_dataplane import (
    FunctionConfig,
    FunctionRuntime,
    InvocationResult,
    InvocationTooLargeError,
    ProcessLauncher,
    RuntimeStoppedError,
)
from lambda_dataplane.config import MAX_REQUEST_BYTES
from tests.dataplane.conftest import HANDLERS, LogLines
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
MakeRuntime = Callable[..., FunctionRuntime]


def invoke_json(runtime: FunctionRuntime, event: object, **kwargs: float) -> InvocationResult:
    return runtime.invoke(json.dumps(event).encode(), **kwargs)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def running(pid: int) -> bool:
    """True while the process exists and is not a zombie (its sockets still open)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_echo_round_trip(make_runtime: MakeRuntime) -> None:
    """An event goes in and the handler's return value comes back with no error."""
    result = invoke_json(make_runtime("functions.echo"), {"a": [1, 2], "b": "ü"})
    assert json.loads(result.payload) == {"a": [1, 2], "b": "ü"}
    assert result.function_error is None
    assert result.duration_ms > 0


def test_environment_gets_lambda_variables(make_runtime: MakeRuntime) -> None:
    """The handler sees Lambda's reserved variables, its own, and the caller's extras."""
    runtime = make_runtime(
        "functions.describe",
        name="describe",
        environment={"TABLE_NAME": "readings"},
        memory_mb=256,
        extra_env={"AWS_ACCESS_KEY_ID": "testing"},
    )
    seen = json.loads(runtime.invoke(b"{}").payload)
    assert seen["env"] == {
        "AWS_LAMBDA_FUNCTION_NAME": "describe",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "_HANDLER": "functions.describe",
        "AWS_LAMBDA_RUNTIME_API": seen["env"]["AWS_LAMBDA_RUNTIME_API"],
        "LAMBDA_TASK_ROOT": str(HANDLERS),
        "TABLE_NAME": "readings",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_PROFILE": None,
    }
    assert seen["env"]["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")


def test_host_aws_settings_do_not_leak(
    make_runtime: MakeRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The developer's own AWS profile and keys never reach the function."""
    monkeypatch.setenv("AWS_PROFILE", "personal")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY")
    seen = json.loads(make_runtime("functions.describe").invoke(b"{}").payload)
    assert seen["env"]["AWS_PROFILE"] is None
    assert seen["env"]["AWS_ACCESS_KEY_ID"] is None


def test_context_has_request_id_arn_and_deadline(make_runtime: MakeRuntime) -> None:
    """The Lambda context reflects the request id, function ARN and the timeout deadline."""
    runtime = make_runtime("functions.describe", name="ctx", timeout_seconds=7)
    result = runtime.invoke(b"{}")
    seen = json.loads(result.payload)
    assert seen["request_id"] == result.request_id
    assert seen["function_arn"] == runtime.config.arn
    assert 6000 < seen["remaining_ms"] <= 7000


def test_warm_environment_is_reused(make_runtime: MakeRuntime) -> None:
    """Consecutive invocations run in the same process; only one launch happens."""
    runtime = make_runtime("functions.describe")
    pids = {json.loads(runtime.invoke(b"{}").payload)["pid"] for _ in range(5)}
    assert len(pids) == 1
    assert runtime.launches == 1


def test_concurrent_invocations_are_serialized(make_runtime: MakeRuntime) -> None:
    """Invocations from many threads each get their own answer, one at a time."""
    runtime = make_runtime("functions.echo")
    results: dict[int, object] = {}

    def call(n: int) -> None:
        results[n] = json.loads(invoke_json(runtime, {"n": n}).payload)

    threads = [threading.Thread(target=call, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == {n: {"n": n} for n in range(8)}


def test_handler_exception_is_unhandled_function_error(make_runtime: MakeRuntime) -> None:
    """A raised exception comes back as Lambda's error JSON with function_error Unhandled."""
    runtime = make_runtime("functions.fail")
    result = invoke_json(runtime, {"message": "sensor on fire"})
    error = json.loads(result.payload)
    assert result.function_error == "Unhandled"
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "sensor on fire")
    assert error["stackTrace"]
    assert runtime.launches == 1  # a handled-by-runtime error keeps the environment


def test_import_error_is_reported_as_function_error(make_runtime: MakeRuntime) -> None:
    """A module that cannot be imported yields Runtime.ImportModuleError to the caller."""
    result = make_runtime("broken_import.handler").invoke(b"{}")
    error = json.loads(result.payload)
    assert result.function_error == "Unhandled"
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert "module_that_does_not_exist" in error["errorMessage"]


def test_import_error_is_reported_on_every_invoke(make_runtime: MakeRuntime) -> None:
    """Each invocation re-initializes, so a broken function keeps reporting its init error."""
    runtime = make_runtime("broken_import.handler")
    for _ in range(2):
        assert json.loads(runtime.invoke(b"{}").payload)["errorType"] == "Runtime.ImportModuleError"


def test_timeout_returns_sandbox_timedout(make_runtime: MakeRuntime) -> None:
    """An invocation past its timeout is cut off with Lambda's Sandbox.Timedout error."""
    runtime = make_runtime("functions.sleep", timeout_seconds=1)
    begun = time.monotonic()
    result = invoke_json(runtime, {"seconds": 30})
    assert time.monotonic() - begun < 20  # cut off, not the 30 s the function asked for
    error = json.loads(result.payload)
    assert result.function_error == "Unhandled"
    assert error["errorType"] == "Sandbox.Timedout"
    assert error["errorMessage"] == (
        f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds"
    )


def test_invoke_after_timeout_runs_in_a_fresh_environment(
    make_runtime: MakeRuntime, tmp_path: Path
) -> None:
    """The timed-out process is killed; the next invocation succeeds in a new one."""
    runtime = make_runtime("functions.sleep")
    pid_file = tmp_path / "pid"
    invoke_json(runtime, {"seconds": 30, "pid_file": str(pid_file)}, timeout=0.5)
    wait_for(lambda: not pid_alive(int(pid_file.read_text())))
    result = invoke_json(runtime, {"seconds": 0})
    assert (json.loads(result.payload), result.function_error) == ({"slept": 0}, None)
    assert runtime.launches == 2


def test_sigkill_mid_invocation_is_runtime_exit_error(
    make_runtime: MakeRuntime, tmp_path: Path
) -> None:
    """Killing the process mid-invocation fails it at once with Runtime.ExitError."""
    runtime = make_runtime("functions.sleep", timeout_seconds=30)
    pid_file = tmp_path / "pid"
    killer = threading.Thread(
        target=lambda: (
            wait_for(pid_file.exists),
            os.kill(int(pid_file.read_text()), signal.SIGKILL),
        )
    )
    killer.start()
    begun = time.monotonic()
    result = invoke_json(runtime, {"seconds": 30, "pid_file": str(pid_file)})
    killer.join()
    assert time.monotonic() - begun < 20  # at once, not after the 30 s sleep
    error = json.loads(result.payload)
    assert error["errorType"] == "Runtime.ExitError"
    assert error["errorMessage"].endswith("Runtime exited with error: signal: killed")


def test_invoke_after_sigkill_succeeds(make_runtime: MakeRuntime, tmp_path: Path) -> None:
    """After the process was killed, the next invocation runs in a restarted environment."""
    runtime = make_runtime("functions.sleep")
    pid_file = tmp_path / "pid"
    invoke_json(runtime, {"seconds": 0, "pid_file": str(pid_file)})
    os.kill(int(pid_file.read_text()), signal.SIGKILL)
    wait_for(lambda: not pid_alive(int(pid_file.read_text())))
    result = invoke_json(runtime, {"seconds": 0})
    assert (json.loads(result.payload), result.function_error) == ({"slept": 0}, None)
    assert runtime.launches == 2


def test_process_exit_mid_invocation_reports_exit_status(make_runtime: MakeRuntime) -> None:
    """A handler that exits the process yields Runtime.ExitError with its exit status."""
    runtime = make_runtime("functions.crash")
    error = json.loads(invoke_json(runtime, {"code": 7}).payload)
    assert error["errorType"] == "Runtime.ExitError"
    assert error["errorMessage"].endswith("Runtime exited with error: exit status 7")


def test_oversized_response_is_function_error_and_next_invoke_works(
    make_runtime: MakeRuntime,
) -> None:
    """A result over 6 MB gives Function.ResponseSizeTooLarge; the next result is fine."""
    runtime = make_runtime("functions.big")
    too_big = invoke_json(runtime, {"size": 7_000_000})
    assert json.loads(too_big.payload)["errorType"] == "Function.ResponseSizeTooLarge"
    assert too_big.function_error == "Unhandled"
    fine = invoke_json(runtime, {"size": 5})
    assert (fine.payload, fine.function_error) == (b'"xxxxx"', None)


def test_output_lines_reach_the_log_sink(make_runtime: MakeRuntime, logs: LogLines) -> None:
    """Each stdout and stderr line is forwarded with the function's name."""
    runtime = make_runtime("functions.log_lines", name="chatty")
    invoke_json(runtime, {"lines": ['{"level": "INFO", "msg": "one"}', "two"]})
    wait_for(lambda: ("chatty", "to stderr") in logs.lines)
    assert ("chatty", '{"level": "INFO", "msg": "one"}') in logs.lines
    assert ("chatty", "two") in logs.lines


def test_oversized_invocation_payload_is_refused(make_runtime: MakeRuntime) -> None:
    """An event over the 6 MB request limit raises before reaching the function."""
    runtime = make_runtime("functions.echo")
    with pytest.raises(InvocationTooLargeError):
        runtime.invoke(b"x" * (MAX_REQUEST_BYTES + 1))


def test_invoke_before_start_raises() -> None:
    """A runtime that was never started refuses to invoke."""
    config = FunctionConfig(
        name="idle", arn="arn:aws:lambda:us-east-1:1:function:idle", command=("functions.echo",)
    )
    runtime = FunctionRuntime(config, launcher=ProcessLauncher(cwd=HANDLERS))
    with pytest.raises(RuntimeStoppedError):
        runtime.invoke(b"{}")


def test_stop_kills_the_environment(make_runtime: MakeRuntime, tmp_path: Path) -> None:
    """After stop() the function process is gone and invoke raises."""
    runtime = make_runtime("functions.sleep")
    pid_file = tmp_path / "pid"
    invoke_json(runtime, {"seconds": 0, "pid_file": str(pid_file)})
    runtime.stop()
    assert not pid_alive(int(pid_file.read_text()))
    with pytest.raises(RuntimeStoppedError):
        runtime.invoke(b"{}")


def test_invoke_right_after_idle_environment_dies_succeeds(
    make_runtime: MakeRuntime, tmp_path: Path
) -> None:
    """An event sent just after the idle environment died (before the data plane noticed)
    is run by a fresh one, not lost."""
    runtime = make_runtime("functions.sleep")
    pid_file = tmp_path / "pid"
    invoke_json(runtime, {"seconds": 0, "pid_file": str(pid_file)})
    pid = int(pid_file.read_text())
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not running(pid))  # dead (zombie or reaped), maybe not yet reaped
    result = invoke_json(runtime, {"seconds": 0})
    assert (json.loads(result.payload), result.function_error) == ({"slept": 0}, None)


def test_init_that_never_finishes_times_out(make_runtime: MakeRuntime) -> None:
    """An environment that never asks for its event is cut off after the init timeout."""
    runtime = make_runtime("slow_init.handler", init_timeout=0.5)
    result = runtime.invoke(b"{}")
    error = json.loads(result.payload)
    assert result.function_error == "Unhandled"
    assert error["errorType"] == "Sandbox.Timedout"
    assert error["errorMessage"].endswith("Init timed out after 0.50 seconds")


def test_json_log_format_lines_arrive_as_json(make_runtime: MakeRuntime, logs: LogLines) -> None:
    """With AWS_LAMBDA_LOG_FORMAT=JSON, each log record is one JSON line with the request id."""
    runtime = make_runtime("functions.log_record", extra_env={"AWS_LAMBDA_LOG_FORMAT": "JSON"})
    result = invoke_json(runtime, {"id": 42})

    def record() -> dict[str, object] | None:
        for _, line in logs.lines:
            if line.startswith("{") and "reading stored" in line:
                return json.loads(line)  # type: ignore[no-any-return]
        return None

    wait_for(lambda: record() is not None)
    rec = record() or {}
    assert {k: rec.get(k) for k in ("level", "message", "requestId")} == {
        "level": "WARNING",
        "message": "reading stored: 42",
        "requestId": result.request_id,
    }
