"""From counted usage to dollars: every figure is a count from the simulated day times a
price from bench/prices.json.

A day is scaled to a month by the price list's hours a month. Per device: the ingest and
stream functions (requests, GB-seconds, request units, log bytes), alerts, and the storage a
month of its data adds (priced for that month: it stays on the bill until it expires). Per
stack, shared by its devices: the scheduled health check, measured with 1, 50 and 1,000
devices in the status index. At scale one stream batch carries several devices' records, and
a device's status is written once per batch it is in, which depends on how many devices
fill the batches: bench/cost_scale.py replays the mapping's batching for 50 and 1,000 devices
and scales the measured per-batch status cost and stream invocations with it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from bench.cost_scale import replay
from bench.cost_stack import Day, FunctionSpec
from bench.pricing import PriceList
from bench.usage import FunctionUsage

DEVICE_COUNTS = (1, 50, 1000)
PER_DEVICE_ROLES = ("ingest", "stream", "seed")
_REQUEST_ID = "00000000-0000-0000-0000-000000000000"  # as long as Lambda's


def lambda_ms(wall_ms: float, cpu_ms: float, memory_mb: int, mb_per_vcpu: float) -> float:
    """A duration measured here as Lambda would take it: the CPU part stretched to the
    function's share of a vCPU (memory / 1,769 MB), the waiting part as it was."""
    share = min(1.0, memory_mb / mb_per_vcpu)
    return wall_ms + cpu_ms * (1 / share - 1)


LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "CRITICAL")
_RANK = {"TRACE": 0, "DEBUG": 1, "INFO": 2, "WARN": 3, "WARNING": 3, "ERROR": 4}
_RANK |= {"FATAL": 5, "CRITICAL": 5}


def app_log_lines(usage: FunctionUsage, threshold: str) -> tuple[int, int]:
    """(events, bytes) of the function's own lines at or above ``threshold``."""
    floor = _RANK[threshold.upper()]
    kept = [counts for level, counts in usage.logs.items() if _RANK.get(level.upper(), 2) >= floor]
    return sum(c[0] for c in kept), sum(c[1] for c in kept)


def platform_log_bytes(duration_ms: float, billed_ms: int, memory_mb: int) -> tuple[int, int]:
    """(events, bytes) of the START, END and REPORT lines Lambda writes per invocation
    (text format, as https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
    shows them); Max Memory Used is written as the memory size (its widest value)."""
    lines = (
        f"START RequestId: {_REQUEST_ID} Version: $LATEST",
        f"END RequestId: {_REQUEST_ID}",
        f"REPORT RequestId: {_REQUEST_ID}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {billed_ms} ms\tMemory Size: {memory_mb} MB\t"
        f"Max Memory Used: {memory_mb} MB\t",
    )
    return len(lines), sum(len(line.encode()) for line in lines)


@dataclass
class Bill:
    """Dollars by line item, for some period and some devices."""

    items: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.items.values())

    def scaled(self, factor: float) -> Bill:
        return Bill({k: v * factor for k, v in self.items.items()})

    def plus(self, other: Bill) -> Bill:
        merged: dict[str, float] = defaultdict(float, self.items)
        for key, value in other.items.items():
            merged[key] += value
        return Bill(dict(merged))


def function_bill(usage: FunctionUsage, spec: FunctionSpec, prices: PriceList) -> Bill:
    """What ``usage`` (any number of invocations) costs, by line item."""
    per_vcpu = prices.rule("lambda_mb_per_vcpu")
    step = prices.rule("lambda_billing_ms")
    gb_seconds = 0.0
    events, log_bytes = app_log_lines(usage, spec.application_log_level)
    for wall, cpu in zip(usage.durations_ms, usage.cpu_ms, strict=True):
        duration = lambda_ms(wall, cpu, spec.memory_mb, per_vcpu) if spec.cpu_scaled else wall
        billed = int(math.ceil(duration / step) * step)
        gb_seconds += billed / 1000 * spec.memory_mb / 1024
        if spec.system_log_level in ("INFO", "DEBUG"):
            more_events, more_bytes = platform_log_bytes(duration, billed, spec.memory_mb)
            events, log_bytes = events + more_events, log_bytes + more_bytes
    gb = (log_bytes + events * prices.rule("cloudwatch_log_event_overhead_bytes")) / prices.rule(
        "bytes_per_gb"
    )
    return Bill(
        {
            "Lambda requests": prices["lambda_request"].cost(usage.invocations),
            "Lambda GB-seconds": prices[f"lambda_gb_second_{spec.architecture}"].cost(gb_seconds),
            "DynamoDB writes": prices["dynamodb_write_request_unit"].cost(usage.write_units),
            "DynamoDB reads": prices["dynamodb_read_request_unit"].cost(usage.read_units),
            "SNS": prices["sns_publish_request"].cost(usage.sns_requests)
            + prices["sns_email_notification"].cost(usage.sns_messages),
            "CloudWatch Logs": prices["cloudwatch_logs_ingested_gb"].cost(gb)
            + prices["cloudwatch_logs_stored_gb_month"].cost(gb),  # kept a month, uncompressed
        }
    )


def days_per_month(prices: PriceList) -> float:
    return prices.rule("hours_per_month") / 24


def _stream_at(day: Day, devices: int, prices: PriceList) -> Bill:
    """The stream function's bill for one device among ``devices``: its invocations shared,
    its status written once per batch it is in (cost_scale), the rest as measured."""
    usage, spec = day.usage["stream"], day.functions["stream"]
    scenario = day.scenario
    batching = replay(
        devices,
        upload_every_s=scenario.cadence.after_readings * scenario.interval_s,
        readings_per_upload=scenario.cadence.after_readings,
        batch_size=day.batch_size,
        window_s=day.batching_window_s,
        hours=24.0 if devices < 1000 else 6.0,
    )
    measured = usage.invocations / day.days  # a day, one device alone
    per_batch = batching.device_batches_per_day / measured if measured else 1.0
    per_invocation = batching.invocations_per_day / devices / measured if measured else 1.0
    bill = function_bill(usage, spec, prices)
    status = usage.units_by_kind.get("STATUS", [0.0, 0.0, 0.0])
    status_bill = {
        "DynamoDB writes": prices["dynamodb_write_request_unit"].cost(status[1]),
        "DynamoDB reads": prices["dynamodb_read_request_unit"].cost(status[0]),
    }
    items = dict(bill.items)
    for item, cost in status_bill.items():  # the status part scales with the batches
        items[item] += cost * (per_batch - 1)
    items["Lambda requests"] *= per_invocation
    items["Lambda GB-seconds"] *= per_batch  # a device's share: as if alone in the batch
    items["CloudWatch Logs"] *= per_invocation
    return Bill(items)


def device_month(day: Day, prices: PriceList, devices: int = 1) -> Bill:
    """One device's own share for a month: its functions' work and its storage."""
    bill = Bill({})
    for role in PER_DEVICE_ROLES:
        if role not in day.usage:
            continue
        if role == "stream" and devices > 1:
            bill = bill.plus(_stream_at(day, devices, prices))
        else:
            bill = bill.plus(function_bill(day.usage[role], day.functions[role], prices))
    gb = day.storage_bytes_added / prices.rule("bytes_per_gb")
    storage = prices["dynamodb_storage_gb_month"].cost(gb)
    if day.pitr:
        storage += prices["dynamodb_pitr_gb_month"].cost(gb)
    return bill.plus(Bill({"DynamoDB storage (a month's data)": storage})).scaled(
        days_per_month(prices) / day.days
    )


def stack_month(
    day: Day, health: dict[int, FunctionUsage], devices: int, prices: PriceList
) -> Bill:
    """The stack's shared part for a month: the scheduled health check with ``devices``."""
    if "health" not in day.functions:
        return Bill({})
    spec = day.functions["health"]
    if devices == 1 and "health" in day.usage:
        return function_bill(day.usage["health"], spec, prices).scaled(
            days_per_month(prices) / day.days
        )
    runs = day.health_runs_per_day * days_per_month(prices)
    return function_bill(health[devices], spec, prices).scaled(runs)


def costs(day: Day, health: dict[int, FunctionUsage], prices: PriceList) -> dict[str, Any]:
    """$/device-month and $/month for each device count, with the line items at one device."""
    found: dict[str, Any] = {"per_device_month": {}, "per_month": {}, "items": {}}
    for devices in DEVICE_COUNTS:
        own = device_month(day, prices, devices)
        shared = stack_month(day, health, devices, prices)
        per_device = own.total + shared.total / devices
        found["per_device_month"][str(devices)] = per_device
        found["per_month"][str(devices)] = per_device * devices
        found["items"][str(devices)] = own.plus(shared.scaled(1 / devices)).items
    found["items_1_device"] = found["items"]["1"]
    return found
