"""Warm-path benchmarks, in process against moto_server: ingest throughput and CPU, stream.

The handlers' JSON log lines go to /dev/null (formatting them is still measured).
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.emulator import EPOCH, Emulator, batches, ingest_event, readings
from bench.throughput import throughput
from thermostat.items import ReadingItem, SettingsItem, to_wire
from thermostat_ingest import handler as ingest_handler
from thermostat_ingest.app import IngestApp
from thermostat_ingest.store import PutOutcome, ReadingStore
from thermostat_stream import handler as stream_handler


def quiet(logger: logging.Logger) -> None:
    """Keep the logger (its JSON formatting is part of the cost) but write to /dev/null."""
    for handler in logger.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(Path(os.devnull).open("w"))  # noqa: SIM115 - lives for the process


class SerializeOnlyStore(ReadingStore):
    """The real store's work without the network: each reading serialized to DynamoDB JSON,
    as ``put_new`` sends it, and taken as new; no device has desired settings."""

    def put_new(self, readings: Sequence[ReadingItem]) -> PutOutcome:
        for reading in readings:
            to_wire(reading.to_item())
        return PutOutcome(stored=list(range(len(readings))))

    def desired_settings(self, device_id: str) -> SettingsItem | None:
        return None


def ingest_throughput(
    emulator: Emulator, sizes: Sequence[int], readings_per_size: int
) -> list[Any]:
    """Readings/s through the handler into moto, per batch size (fresh readings each request)."""
    app = ingest_handler.build_app(emulator.unlimited_env())
    quiet(app.logger)

    def send(event: dict[str, Any]) -> None:
        response = app.handle(event)
        assert response["statusCode"] == 200, response

    results = []
    for size in sizes:
        requests = max(1, readings_per_size // size)
        events = [ingest_event(batch) for batch in batches(f"warm-{size}", size, requests)]
        app.handle(ingest_event(readings(f"warmup-{size}", size)))
        results.append(throughput(size, events, send))
    return results


def ingest_cpu(emulator: Emulator, sizes: Sequence[int], readings_per_size: int) -> list[Any]:
    """Handler CPU per reading without the network: validation, items, serialization, logs."""
    real = ingest_handler.build_app(emulator.unlimited_env())
    app = IngestApp(real.settings, SerializeOnlyStore(None, emulator.table), real.logger)  # type: ignore[arg-type]
    quiet(app.logger)
    results = []
    for size in sizes:
        requests = max(1, readings_per_size // size)
        events = [ingest_event(batch) for batch in batches(f"cpu-{size}", size, requests)]
        app.handle(events[0])
        started = time.process_time()
        for event in events:
            app.handle(event)
        cpu = time.process_time() - started
        results.append(
            {"batch": size, "cpu_ms_per_reading": round(cpu * 1000 / (requests * size), 4)}
        )
    return results


def stream_batches(emulator: Emulator, repeats: int) -> list[Any]:
    """100 real stream records per batch: in 1 hour vs over 10 hours; time and DynamoDB calls."""
    writer = ingest_handler.build_app(emulator.unlimited_env())
    quiet(writer.logger)
    processor = stream_handler.build_processor(emulator.env())
    quiet(processor.logger)
    stream = emulator.stream()
    stream.records()  # skip what earlier benchmarks wrote
    results = []
    for label, step_s in (("100 readings in 1 hour", 36), ("100 readings over 10 hours", 360)):
        times, calls = [], []
        for repeat in range(repeats):
            batch = readings(f"stream-{step_s}-{repeat}", 100, start=EPOCH, step_s=step_s)
            assert writer.handle(ingest_event(batch))["statusCode"] == 200
            # As the mapping's FilterCriteria does: only reading items reach the function.
            records = [
                r
                for r in stream.records()
                if r["dynamodb"]["Keys"]["sk"]["S"].startswith("READING#")
            ]
            assert len(records) == 100, len(records)
            before_calls = processor.table.calls
            started = time.perf_counter()
            outcome = processor.process(records)
            times.append((time.perf_counter() - started) * 1000)
            calls.append(processor.table.calls - before_calls)
            assert not outcome.failed
        hours = len({r["recorded_at"][:13] for r in batch})
        results.append(
            {
                "batch": label,
                "hours": hours,
                "median_ms": round(statistics.median(times), 1),
                "dynamodb_calls": statistics.median(calls),
                "calls_per_hour": round(statistics.median(calls) / hours, 2),
            }
        )
    return results
