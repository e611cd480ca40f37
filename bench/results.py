"""Where every figure goes: ``.bench/results.json`` (gitignored), merged run after run.

An area that was not run keeps the figures of the run that last measured it; each area
records when (``measured``). Each run's own figures are also kept in ``.bench/runs/``.
Keys are documented in docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(".bench") / "results.json"


def machine() -> dict[str, Any]:
    return {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load": " ".join(f"{v:.1f}" for v in os.getloadavg()),
    }


def save(path: Path, found: dict[str, Any]) -> dict[str, Any]:
    """Merge this run's areas into ``path``; return everything it now holds."""
    merged: dict[str, Any] = {}
    if path.exists():
        try:
            merged = json.loads(path.read_text())
        except ValueError:
            merged = {}  # a damaged file is replaced, not fatal
    when = found["machine"]["when"]
    for area, figures in found.items():
        if isinstance(figures, dict) and area != "machine":
            figures = {**figures, "measured": when}
        merged[area] = figures
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merged, indent=2) + "\n")
    runs = path.parent / "runs"
    runs.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (runs / f"{stamp}.json").write_text(json.dumps(found, indent=2) + "\n")
    return merged
