"""Which imports on a function's first-request path cost more than a threshold.

Runs bench.first_request under ``python -X importtime`` and reads its report (self and
cumulative microseconds per module; indentation is nesting depth).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.cold_start import FUNCTIONS, cold_events
from bench.emulator import Emulator

ROOT = Path(__file__).resolve().parents[1]
_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")


@dataclass(frozen=True)
class ImportCost:
    module: str
    depth: int
    cumulative_ms: float
    self_ms: float


def parse(report: str) -> list[ImportCost]:
    costs = []
    for line in report.splitlines():
        match = _LINE.match(line)
        if match:
            self_us, cumulative_us, indent, module = match.groups()
            costs.append(
                ImportCost(module, len(indent) // 2, int(cumulative_us) / 1000, int(self_us) / 1000)
            )
    return costs


def first_request_imports(handler: str, event: Any, env: dict[str, str]) -> list[ImportCost]:
    """Every import (in order) made while starting ``handler`` and serving ``event`` once."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(event, file)
    try:
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "bench.first_request", handler, file.name],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        Path(file.name).unlink()
    return parse(done.stderr)


def expensive(costs: list[ImportCost], threshold_ms: float = 20.0) -> list[ImportCost]:
    """Imports over the threshold whose parent is not one already listed only for them.

    Every top-level import over the threshold is kept, plus nested ones over it (so
    ``boto3`` and, under it, ``botocore.session`` both show), in import order.
    """
    return [cost for cost in costs if cost.cumulative_ms >= threshold_ms and cost.depth <= 2]


def import_costs(emulator: Emulator) -> dict[str, Any]:
    events = cold_events(emulator)
    found = {}
    for name in ("ingest", "stream"):
        costs = first_request_imports(FUNCTIONS[name], events[name], emulator.env())
        found[name] = [
            {"module": c.module, "depth": c.depth, "cumulative_ms": round(c.cumulative_ms, 1)}
            for c in expensive(costs)
        ]
    return found


def imports_table(imports: dict[str, Any]) -> str:
    lines = [
        "| function | import (indent = imported by the line above) | cumulative |",
        "| --- | --- | --- |",
    ]
    for name, costs in imports.items():
        for cost in costs:
            indent = "&nbsp;&nbsp;" * cost["depth"]
            lines.append(
                f"| {name} | {indent}`{cost['module']}` | {cost['cumulative_ms']:.0f} ms |"
            )
    return "\n".join(lines)
