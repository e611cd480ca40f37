"""Reserved concurrency: the invocation over the cap is refused at once, on every way in."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from lambda_dataplane import FunctionRuntime, InvocationResult
from lambda_dataplane.app import AwsEndpoint, DataPlane, DataPlaneOptions
from lambda_dataplane.concurrency import ConcurrencyLimit
from lambda_dataplane.errors import ThrottledError
from lambda_dataplane.function_url import FunctionUrlServer
from lambda_dataplane.lambda_api import LambdaApi
from lambda_dataplane.stack import StackPlan
from lambda_dataplane.url_guard import UrlEvent
from tests.dataplane.test_lambda_api import KEY, SECRET, header, not_forwarded, signed


class Held:
    """An invocation of the ``gate`` handler, in flight until :meth:`release`."""

    def __init__(self, runtime: FunctionRuntime, tmp_path: Path) -> None:
        self.started, self.gate = tmp_path / "started", tmp_path / "gate"
        self.result: InvocationResult | None = None
        event = json.dumps({"started": str(self.started), "gate": str(self.gate)}).encode()
        self.thread = threading.Thread(target=self._run, args=(runtime, event))
        self.thread.start()
        while not self.started.exists():  # the handler runs: the slot is taken
            assert self.thread.is_alive(), "the held invocation ended before it started"
            self.thread.join(0.01)

    def _run(self, runtime: FunctionRuntime, event: bytes) -> None:
        self.result = runtime.invoke(event, timeout=60)

    def release(self) -> InvocationResult:
        self.gate.touch()
        self.thread.join(60)
        assert self.result is not None
        return self.result


@pytest.fixture
def capped(make_runtime: Callable[..., FunctionRuntime]) -> FunctionRuntime:
    return make_runtime("functions.gate", name="capped", reserved_concurrency=1, timeout_seconds=60)


def test_second_invocation_over_a_cap_of_one_is_throttled(
    capped: FunctionRuntime, tmp_path: Path
) -> None:
    """With one invocation running, the next raises ThrottledError; after it, one runs again."""
    held = Held(capped, tmp_path)
    with pytest.raises(ThrottledError, match="1 of 1 reserved"):
        capped.invoke(b"{}")
    assert json.loads(held.release().payload) == {"gate": "opened"}
    (tmp_path / "again").mkdir()
    again = Held(capped, tmp_path / "again")
    assert json.loads(again.release().payload) == {"gate": "opened"}
    assert capped.concurrency.throttles == 1


def test_without_a_reservation_invocations_wait_their_turn(
    make_runtime: Callable[..., FunctionRuntime], tmp_path: Path
) -> None:
    """No reservation: a second invocation is not refused; it runs once the first is done."""
    runtime = make_runtime("functions.gate", name="uncapped", timeout_seconds=60)
    held = Held(runtime, tmp_path)
    second: list[InvocationResult] = []
    event = {"started": str(tmp_path / "second"), "gate": str(tmp_path / "gate")}
    waiter = threading.Thread(
        target=lambda: second.append(runtime.invoke(json.dumps(event).encode()))
    )
    waiter.start()
    held.release()
    waiter.join(60)
    assert [json.loads(r.payload) for r in second] == [{"gate": "opened"}]
    assert runtime.concurrency.throttles == 0


def test_reservation_of_zero_throttles_every_invocation() -> None:
    """Reserved concurrency 0 stops a function entirely, as on AWS."""
    limit = ConcurrencyLimit("stopped", 0)
    with pytest.raises(ThrottledError), limit.slot():
        pass
    assert (limit.in_flight, limit.throttles) == (0, 1)


def test_a_slot_is_given_back_when_the_invocation_fails() -> None:
    """An invocation that raises frees its slot: failures do not use up the cap."""
    limit = ConcurrencyLimit("failing", 1)
    with pytest.raises(RuntimeError), limit.slot():
        raise RuntimeError("boom")
    with limit.slot():
        assert limit.in_flight == 1


def test_negative_reservation_is_rejected() -> None:
    """A negative reservation is a configuration error, said in one line."""
    with pytest.raises(ValueError, match=">= 0"):
        ConcurrencyLimit("bad", -1)


@pytest.fixture
def url(capped: FunctionRuntime) -> Iterator[tuple[str, list[UrlEvent]]]:
    events: list[UrlEvent] = []
    server = FunctionUrlServer(capped, auth_type="NONE", region="us-east-1", observer=events.append)
    server.start()
    yield server.url, events
    server.stop()


def test_function_url_answers_429_while_the_cap_is_in_use(
    capped: FunctionRuntime, url: tuple[str, list[UrlEvent]], tmp_path: Path
) -> None:
    """Over the cap the URL answers 429 {"Message": "Rate Exceeded."}, and says why locally."""
    address, events = url
    held = Held(capped, tmp_path)
    answer = requests.post(address, json={}, timeout=10)
    held.release()
    assert (answer.status_code, answer.json()) == (429, {"Message": "Rate Exceeded."})
    assert answer.headers.get("x-amzn-RequestId")
    assert events[-1].status == 429 and "reserved concurrent executions" in events[-1].message


@pytest.fixture
def api(capped: FunctionRuntime) -> LambdaApi:
    plan = StackPlan("s", {}, {}, {"capped": capped.config}, (), ())
    aws = AwsEndpoint("http://127.0.0.1:9", "us-east-1", KEY, SECRET)
    plane = DataPlane(plan, aws, DataPlaneOptions(emulator_iam="none"))
    plane.runtimes["capped"] = capped
    return LambdaApi(plane)


def test_invoke_api_answers_too_many_requests_with_its_reason(
    api: LambdaApi, capped: FunctionRuntime, tmp_path: Path
) -> None:
    """Invoke over the cap: 429 TooManyRequestsException, Reason ReservedFunction...Exceeded."""
    held = Held(capped, tmp_path)
    answer = api.handle(signed("/2015-03-31/functions/capped/invocations", b"{}"), not_forwarded)
    held.release()
    assert answer is not None and answer.status == 429
    assert header(answer, "x-amzn-ErrorType") == "TooManyRequestsException"
    body: dict[str, Any] = json.loads(answer.body)
    assert body["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert body["message"] == "Rate Exceeded."
