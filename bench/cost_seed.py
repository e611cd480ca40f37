"""The seed's design, measured the same way: one Lambda call and one PutItem per reading.

The seed (the Rust push_temp function of "Rust, Lambda, and DynamoDB", 18-11-2022) takes a
``TempData`` JSON POST on a Function URL and writes it with one PutItem into a table keyed by
``Record_Day`` / ``Record_Date``, with no stream, index, TTL, backups, rollups or alerts; its
Pi posts every reading as it is taken. Its Terraform sets no ``memory_size``, so the
function has the provider's default, 128 MB (x86_64: the blog builds for
x86_64-unknown-linux-musl). Its Terraform sets ``RUST_LOG=debug``: the handler's own three
``debug!`` lines per request are written here as ``tracing_subscriber::fmt`` writes them (the
AWS SDK's and hyper's own debug lines, which that setting also turns on, are not: they cannot
be reproduced here, so the seed's log volume is a lower bound). The table also prices the seed
with ``RUST_LOG`` above debug (only Lambda's START/END/REPORT lines), as the blog suggests for
production.

Here the handler is a Python stand-in that makes the same request; it runs in process under
the same meter, fed by the same simulated house, so its requests, request units, storage and
log lines are counted exactly as ours. Its duration is measured too, as a Python stand-in's.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from bench import cost_functions
from bench.cost_day import DEVICE, START, WARM_UP_S
from bench.cost_stack import HOUR_S, Day, FunctionSpec, Scenario, session
from bench.cost_stack import table_bytes as measured_bytes
from bench.meter import Meter
from bench.usage import TableShape
from lambda_dataplane.url_event import HttpRequest, build_event
from tests.support.moto import MotoServer
from thermostat.contract import Reading
from thermostat_pi.cadence import SEND_AT_ONCE
from thermostat_pi.simulation import VirtualClock, simulated_pi

SEED = Scenario("seed", "seed's design (1 call + 1 PutItem per reading)", cadence=SEND_AT_ONCE)
SEED_FUNCTION = FunctionSpec(
    memory_mb=128,
    architecture="x86_64",
    system_log_level="INFO",  # the text format: START, END, REPORT
    application_log_level="DEBUG",  # RUST_LOG=debug
    cpu_scaled=False,
)
QUIET_SEED_FUNCTION = replace(SEED_FUNCTION, application_log_level="INFO")
# What a Function URL adds to a request from reqwest's .json() (the AWS example payload's
# headers: https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads).
URL_HEADERS = (
    ("x-amzn-tls-cipher-suite", "ECDHE-RSA-AES128-GCM-SHA256"),
    ("x-amzn-tls-version", "TLSv1.2"),
    ("x-amzn-trace-id", "Root=1-6567a1b2-0123456789abcdef01234567"),
    ("x-forwarded-proto", "https"),
    ("host", "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-2.on.aws"),
    ("x-forwarded-port", "443"),
    ("content-type", "application/json"),
    ("x-forwarded-for", "203.0.113.10"),
    ("accept", "*/*"),
)
MOUNTAIN = timezone(timedelta(hours=-6))  # the blog's offset!(-6)


def create_table(client: Any, name: str) -> None:
    """The blog's aws_dynamodb_table: PAY_PER_REQUEST, Record_Day / Record_Date keys."""
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "Record_Day", "AttributeType": "S"},
            {"AttributeName": "Record_Date", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "Record_Day", "KeyType": "HASH"},
            {"AttributeName": "Record_Date", "KeyType": "RANGE"},
        ],
    )


def _debug_str(text: str) -> str:
    """Rust's ``{:?}`` of a string: quoted, quotes and backslashes escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def debug_lines(event: dict[str, Any], data: dict[str, Any], now: datetime) -> list[str]:
    """The seed's three ``debug!`` lines for one request, in tracing_subscriber's default
    format (ANSI colours on: timestamp, level, target, message)."""
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    prefix = f"\x1b[2m{stamp}\x1b[0m \x1b[34mDEBUG\x1b[0m \x1b[2mpush_temp\x1b[0m\x1b[2m:\x1b[0m "
    headers = event["headers"]
    header_map = ", ".join(f"{_debug_str(k)}: {_debug_str(v)}" for k, v in headers.items())
    body = event.get("body") or ""
    request = (
        f"Request {{ method: POST, uri: https://{headers['host']}/, version: HTTP/1.1,"
        f" headers: {{{header_map}}}, body: Text({_debug_str(body)}) }}"
    )
    temp = (
        f"TempData {{ record_date: {_debug_str(data['record_date'])}, thermostat_on:"
        f" {str(data['thermostat_on']).lower()}, temperature: {data['temperature']},"
        f" thermostat_value: {data['thermostat_value']} }}"
    )
    return [
        prefix + f"handling a request, Request is: {request}",
        prefix + f"Request JSON is : {_debug_str(body)}",
        prefix + f"Successfully stored item {temp}",
    ]


class SeedFunction:
    """push_temp's my_handler: parse TempData, PutItem, answer a string."""

    def __init__(self, client: Any, table: str, meter: Meter, now: Any) -> None:
        self.client, self.table, self.meter, self.now = client, table, meter, now

    def handle(self, event: dict[str, Any]) -> str:
        data = json.loads(event.get("body") or "")
        for line in debug_lines(event, data, self.now()):
            self.meter.log("seed", "DEBUG", line)
        self.client.put_item(
            TableName=self.table,
            Item={
                "Record_Day": {"S": data["record_date"][:10]},
                "Record_Date": {"S": data["record_date"]},
                "Thermostat_On": {"S": str(data["thermostat_on"]).lower()},
                "Temperature": {"N": str(data["temperature"])},
                "Thermostat_Value": {"N": str(data["thermostat_value"])},
            },
        )
        return "the lambda was successful"


def temp_data(reading: Any) -> bytes:
    """The seed Pi's body for a reading: Fahrenheit, local time with the blog's offset."""
    return json.dumps(
        {
            "record_date": reading.recorded_at.astimezone(MOUNTAIN).isoformat(),
            "thermostat_on": reading.heating,
            "temperature": round(reading.temperature_c * 9 / 5 + 32, 1),
            "thermostat_value": round(reading.setpoint_c * 9 / 5 + 32),
        },
        separators=(",", ":"),  # serde_json's compact form, as reqwest's .json() sends it
    ).encode()


def simulate(moto: MotoServer, rules: Any, *, hours: float = 24.0) -> Day:
    lookup = session(moto).client("dynamodb")
    table = f"Shop_Thermostat_{uuid.uuid4().hex[:8]}"
    create_table(lookup, table)
    shape = TableShape.describe(lookup, table)
    unit = int(rules.rule("dynamodb_write_unit_bytes"))
    meter = Meter(lookup, {table: shape}, write_unit_bytes=unit)
    metered = session(moto)
    clock = VirtualClock(START)
    with meter.installed(metered.events):
        function = SeedFunction(metered.client("dynamodb"), table, meter, clock.now)
    runner = cost_functions.Functions(meter, clock.now, "", [])
    pi = simulated_pi(monotonic=clock.monotonic, now=clock.now, setpoint_c=20.5)
    overhead = int(rules.rule("dynamodb_item_overhead_bytes"))
    before, readings, t = 0, 0, 0.0
    while t < WARM_UP_S + hours * HOUR_S:
        clock.advance(t - clock.monotonic())
        if t == WARM_UP_S:
            meter.usage.clear()
            before = measured_bytes(lookup, table, shape, overhead)
        step = pi.thermostat.step()
        reading = Reading(
            device_id=DEVICE,
            recorded_at=clock.now(),
            temperature_c=step.temperature_c,
            setpoint_c=20.5,
            heating=step.heating,
        )
        headers = [*URL_HEADERS, ("content-length", str(len(temp_data(reading))))]
        event = build_event(
            HttpRequest("POST", "/", headers, temp_data(reading), "127.0.0.1"),
            request_id=str(uuid.uuid4()),
            account_id=cost_functions.ACCOUNT,
            now=clock.now(),
            authorizer_iam=None,
        )
        runner.call("seed", _handler(function, event))
        readings += int(t >= WARM_UP_S)
        t += SEED.interval_s
    added = measured_bytes(lookup, table, shape, overhead) - before
    scenario = replace(SEED, hours=hours)
    return Day(scenario, dict(meter.usage), {"seed": SEED_FUNCTION}, readings, added, False, 0, 0)


def _handler(function: SeedFunction, event: dict[str, Any]) -> Any:
    return lambda _context: function.handle(event)
