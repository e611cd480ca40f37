"""The cost meter: what one thermostat costs a month on AWS, measured, and what each default
setting contributes (``python -m bench --only cost``; docs/benchmarks.md).

The default settings and the seed's design each run a metered day; each lever runs a few
metered hours with one setting changed from the defaults, so its row shows that setting's
effect alone. Two rows are computed from the default day's counts instead of run: without
the status index's write (a design change, not a setting) and without point-in-time recovery.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

from bench import cost_model, cost_seed, pricing
from bench.cost_day import DaySimulation
from bench.cost_stack import Day, Scenario
from bench.emulator import Emulator
from thermostat_pi.cadence import SEND_AT_ONCE, UploadCadence

DEFAULT = Scenario("default", "default settings")
HOURS = 6.0  # each lever's metered hours, scaled to a day


def _lever(
    name: str, label: str, parameters: dict[str, str] | None = None, **more: Any
) -> Scenario:
    return Scenario(name, label, parameters or {}, hours=HOURS, **more)


LEVERS = (
    _lever("default_6h", "default settings, 6 metered hours (the levers' reference)"),
    _lever("upload_each", "Pi: upload_after_readings 1 (each reading alone)", cadence=SEND_AT_ONCE),
    _lever(
        "upload_after_5",
        "Pi: upload_after_readings 5, max delay 300 s (misses the 2-minute freshness)",
        cadence=UploadCadence(5, 300.0),
    ),
    _lever(
        "window_0",
        "StreamMaximumBatchingWindowInSeconds 0",
        {"StreamMaximumBatchingWindowInSeconds": "0"},
    ),
    _lever(
        "window_60",
        "StreamMaximumBatchingWindowInSeconds 60",
        {"StreamMaximumBatchingWindowInSeconds": "60"},
    ),
    _lever("batch_100", "StreamBatchSize 100", {"StreamBatchSize": "100"}),
    _lever("batch_1000", "StreamBatchSize 1000", {"StreamBatchSize": "1000"}),
    _lever(
        "memory_128", "MemorySize 128 MB", memory_mb={"ingest": 128, "stream": 128, "health": 128}
    ),
    _lever(
        "memory_512", "MemorySize 512 MB", memory_mb={"ingest": 512, "stream": 512, "health": 512}
    ),
    _lever("health_1", "HealthCheckMinutes 1", {"HealthCheckMinutes": "1"}),
    _lever("health_5", "HealthCheckMinutes 5", {"HealthCheckMinutes": "5"}),
    _lever(
        "logs_info",
        "FunctionLogLevel INFO (a line per request and batch)",
        {"FunctionLogLevel": "INFO"},
    ),
    _lever(
        "platform_info",
        "PlatformLogLevel INFO (START/END/REPORT lines)",
        {"PlatformLogLevel": "INFO"},
    ),
    _lever(
        "before",
        "before this change: each reading alone, window 0, INFO logs and platform lines",
        {
            "StreamMaximumBatchingWindowInSeconds": "0",
            "StreamBatchSize": "100",
            "FunctionLogLevel": "INFO",
            "PlatformLogLevel": "INFO",
            "HealthCheckMinutes": "5",
        },
        cadence=SEND_AT_ONCE,
    ),
)


def _median(values: list[float]) -> float | None:
    return sorted(values)[len(values) // 2] if values else None


def _usage_summary(day: Day) -> dict[str, Any]:
    """Per function, per day: what was counted."""
    found = {}
    for role, usage in day.usage.items():
        if usage.unmetered:
            raise RuntimeError(f"{role} made requests the meter cannot price: {usage.unmetered}")
        per_day = 1 / day.days
        found[role] = {
            "invocations_per_day": usage.invocations * per_day,
            "write_units_per_day": usage.write_units * per_day,
            "index_write_units_per_day": usage.index_write_units * per_day,
            "read_units_per_day": usage.read_units * per_day,
            "log_lines_per_day": {
                level: {"events": n * per_day, "bytes": size * per_day}
                for level, (n, size) in usage.logs.items()
            },
            "sns_messages_per_day": usage.sns_messages * per_day,
            "requests_per_day": {k: v * per_day for k, v in usage.requests.items()},
            "median_duration_ms": _median(usage.durations_ms),
            "median_cpu_ms": _median(usage.cpu_ms),
        }
    return found


def _row(day: Day, health: dict[int, Any], prices: pricing.PriceList) -> dict[str, Any]:
    return {
        "label": day.scenario.label,
        "hours_metered": day.scenario.hours,
        "readings_per_day": day.readings / day.days,
        "storage_bytes_per_day": day.storage_bytes_added / day.days,
        "reading_waited_max_s": day.waited_max_s,
        "functions": {role: asdict(spec) for role, spec in day.functions.items()},
        "usage": _usage_summary(day),
        **cost_model.costs(day, health, prices),
    }


def without_status_index(day: Day) -> Day:
    """The default day as it would cost if status writes did not rewrite the index entry."""
    changed = copy.deepcopy(day)
    stream = changed.usage["stream"]
    stream.write_units -= stream.index_write_units
    stream.index_write_units = 0.0
    for units in stream.units_by_kind.values():
        units[1] -= units[2]
        units[2] = 0.0
    changed.scenario = replace(
        day.scenario,
        name="what_if_no_status_index",
        label="what if: status writes leave the index alone (a design change, computed)",
    )
    return changed


def without_pitr(day: Day) -> Day:
    changed = copy.deepcopy(day)
    changed.pitr = False
    changed.scenario = replace(
        day.scenario, name="what_if_no_pitr", label="what if: no point-in-time recovery (computed)"
    )
    return changed


def measure(
    emulator: Emulator, say: Callable[[str], None], *, levers: bool = True
) -> dict[str, Any]:
    prices = pricing.load()
    rows: dict[str, Any] = {}
    say("cost: the seed's design, one metered day")
    seed = cost_seed.simulate(emulator.moto, prices)
    rows["seed"] = _row(seed, {}, prices)
    quiet = replace(seed, functions={"seed": cost_seed.QUIET_SEED_FUNCTION})
    quiet.scenario = replace(
        seed.scenario, name="seed_quiet", label="seed's design with RUST_LOG above debug"
    )
    rows["seed_quiet"] = _row(quiet, {}, prices)
    for number, scenario in enumerate((DEFAULT, *LEVERS) if levers else (DEFAULT,)):
        say(f"cost: {scenario.label}, {scenario.hours:g} metered hours")
        simulation = DaySimulation(emulator.moto, scenario, number, prices)
        day = simulation.run()
        health = {n: simulation.health_at(n) for n in cost_model.DEVICE_COUNTS if n > 1}
        rows[scenario.name] = _row(day, health, prices)
        if scenario is DEFAULT:
            for what_if in (without_status_index(day), without_pitr(day)):
                rows[what_if.scenario.name] = _row(what_if, health, prices)
    return {
        "default_usd_per_device_month": rows["default"]["per_device_month"]["1"],
        "seed_usd_per_device_month": rows["seed"]["per_device_month"]["1"],
        "seed_quiet_usd_per_device_month": rows["seed_quiet"]["per_device_month"]["1"],
        "scenarios": rows,
        "prices": prices.cite(),
    }
