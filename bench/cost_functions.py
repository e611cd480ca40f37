"""The stack's three functions run in process, as Lambda would run them, under the meter.

Each invocation calls the real handler module (``thermostat_ingest.handler.handler`` ...) with
the event Lambda would send: a Function URL event built by the local data plane's own
translation, the stream batch the data plane's shard poller forms, an EventBridge scheduled
event. The handlers' module-level state is the function built from the deployed stack's
environment, on the simulation's clock. Wall and CPU time are measured around the handler
call only; the meter settles its read-backs after that.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from requests.structures import CaseInsensitiveDict

from bench.meter import Meter
from lambda_dataplane.config import InvocationResult
from lambda_dataplane.url_event import HttpRequest, build_event, map_response
from thermostat import aws
from thermostat.logs import lambda_log_level
from thermostat_ingest import handler as ingest_handler
from thermostat_ingest.ratelimit import DeviceRateLimit
from thermostat_pi.transport import BoundedSession, Reply
from thermostat_stream import handler as stream_handler
from thermostat_stream import health as health_handler

ROLES = {
    "thermostat_ingest.handler.handler": "ingest",
    "thermostat_stream.handler.handler": "stream",
    "thermostat_stream.health.handler": "health",
}
ACCOUNT = "123456789012"


class LogCounter:
    """Where the functions' JSON log lines go: counted by level for the running function, as
    CloudWatch Logs would ingest them (one event per line)."""

    def __init__(self, meter: Meter) -> None:
        self.meter = meter
        self._partial = ""

    def write(self, text: str) -> int:
        self._partial += text
        *lines, self._partial = self._partial.split("\n")
        function = self.meter.current or "(outside any invocation)"
        for line in lines:
            try:
                level = str(json.loads(line).get("level", "INFO"))
            except (ValueError, AttributeError):
                level = "INFO"
            self.meter.log(function, level, line)
        return len(text)

    def flush(self) -> None:
        pass


@dataclass
class Functions:
    """The three handlers of one deployed stack, with their usage charged to the meter."""

    meter: Meter
    now: Callable[[], datetime]
    device_arn: str
    waited: list[float]  # seconds the oldest reading of each upload had waited
    refused: list[int] = field(default_factory=list)  # statuses of uploads not answered 200

    def call(self, role: str, handler: Callable[[Any], Any]) -> Any:
        context = SimpleNamespace(aws_request_id=str(uuid.uuid4()))
        usage = self.meter.of(role)
        self.meter.current = role
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return handler(context)
        finally:
            usage.durations_ms.append((time.perf_counter() - wall) * 1000)
            usage.cpu_ms.append((time.process_time() - cpu) * 1000)
            usage.invocations += 1
            self.meter.current = None
            self.meter.settle()

    def post(self, body: bytes) -> Reply:
        """One Function URL request from the Pi, signed as its device user."""
        readings = json.loads(body).get("readings", [])
        if readings:
            oldest = min(datetime.fromisoformat(r["recorded_at"]) for r in readings)
            self.waited.append((self.now() - oldest).total_seconds())
        headers = [("content-type", "application/json"), ("host", "bench")]
        request = HttpRequest("POST", "/", headers, body, "127.0.0.1")
        iam = {"accessKey": "AKIDBENCHDEVICE00001", "accountId": ACCOUNT}
        iam |= {"userArn": self.device_arn, "callerId": "AIDABENCH", "userId": "AIDABENCH"}
        event = build_event(
            request,
            request_id=str(uuid.uuid4()),
            account_id=ACCOUNT,
            now=self.now(),
            authorizer_iam=iam,
        )
        result = self.call("ingest", lambda context: ingest_handler.handler(event, context))
        response = map_response(json.dumps(result).encode())
        if response.status != 200:
            self.refused.append(response.status)
        return Reply(response.status, CaseInsensitiveDict(response.headers), response.body)

    def invoke(self, payload: bytes, *, timeout: float | None = None) -> InvocationResult:
        """One stream batch (the shard poller's :class:`~lambda_dataplane.config.Invoker`)."""
        event = json.loads(payload)
        started = time.perf_counter()
        result = self.call("stream", lambda context: stream_handler.handler(event, context))
        duration = (time.perf_counter() - started) * 1000
        return InvocationResult(str(uuid.uuid4()), json.dumps(result).encode(), None, duration)

    def health(self, rule_arn: str) -> Any:
        event = {"source": "aws.events", "detail-type": "Scheduled Event", "resources": [rule_arn]}
        return self.call("health", lambda context: health_handler.handler(event, context))


class InProcessUrl(BoundedSession):
    """The Pi's transport, delivering each POST to the ingest handler in this process."""

    def __init__(self, functions: Functions) -> None:
        super().__init__()
        self.functions = functions

    def post_json(self, url: str, body: bytes, auth: Any) -> Reply:
        return self.functions.post(body)


def build(
    meter: Meter,
    environments: dict[str, dict[str, str]],
    *,
    now: Callable[[], datetime],
    monotonic: Callable[[], float],
    device_arn: str,
    log_levels: dict[str, str],
) -> Functions:
    """Build the handlers' state from the stack's environments with the meter on the botocore
    session the functions create their clients from (thermostat.aws), so every client they
    create is metered."""
    with meter.installed(aws.session()):
        app = ingest_handler.build_app(environments["ingest"])
        processor = stream_handler.build_processor(environments["stream"])
        check = health_handler.build_check(environments["health"])
    app.clock = now
    if app.rate_limit is not None:  # its buckets refill on the simulation's clock too
        settings = app.settings
        app.rate_limit = DeviceRateLimit(
            per_minute=settings.device_readings_per_minute,
            burst=settings.device_readings_burst,
            monotonic=monotonic,
        )
    processor.clock = processor.outbox.clock = now
    check.clock = check.outbox.clock = now
    ingest_handler._app = app
    stream_handler._processor = processor
    health_handler._check = check
    counter = LogCounter(meter)
    for name in ("ingest", "stream", "health"):
        # What Lambda does with ApplicationLogLevel: AWS_LAMBDA_LOG_LEVEL in the environment.
        level = lambda_log_level({"AWS_LAMBDA_LOG_LEVEL": log_levels[name]})
        logging.getLogger(name).setLevel(level)
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(counter)
    return Functions(meter, now, device_arn, [])
