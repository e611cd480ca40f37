"""The results as one markdown table, and the README block it replaces."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
Row = tuple[str, str, str, str]  # area, measure, value, versus / target


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def rows(results: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    cold = results.get("cold_start")
    if cold:
        floor = cold["hello"]["total_median_ms"]
        for name, r in cold.items():
            ratio = r["total_median_ms"] / floor
            verdict = "floor" if name == "hello" else f"{ratio:.1f}x floor (target <= 2x)"
            out.append(
                (
                    "cold start",
                    f"{name}: start -> first response, median / p90 (init)",
                    f"{_ms(r['total_median_ms'])} / {_ms(r['total_p90_ms'])}"
                    f" ({_ms(r['init_median_ms'])})",
                    verdict,
                )
            )
    image = results.get("image_cold_start")
    if image:
        floor = image["hello (ingest image)"]["total_median_ms"]
        for name, r in image.items():
            ratio = r["total_median_ms"] / floor
            out.append(
                (
                    "cold start (docker run)",
                    f"{name}: docker run -> first response, median / p90 (init)",
                    f"{_ms(r['total_median_ms'])} / {_ms(r['total_p90_ms'])}"
                    f" ({_ms(r['init_median_ms'])})",
                    "floor" if name.startswith("hello") else f"{ratio:.1f}x floor",
                )
            )
    for r in results.get("ingest_throughput", []):
        out.append(
            (
                "warm ingest",
                f"batch of {r['batch']}, handler -> moto",
                f"{r['readings_per_s']:,.0f} readings/s ({r['request_median_ms']:.1f} ms/request)",
                "",
            )
        )
    for r in results.get("function_url", []):
        out.append(
            (
                "warm ingest",
                f"batch of {r['batch']}, HTTP -> Function URL -> awslambdaric -> moto",
                f"{r['readings_per_s']:,.0f} readings/s ({r['request_median_ms']:.1f} ms/request)",
                "",
            )
        )
    for r in results.get("ingest_cpu", []):
        out.append(
            (
                "ingest CPU",
                f"per reading, batch of {r['batch']} (no network)",
                f"{r['cpu_ms_per_reading']:.3f} ms",
                "target < 0.5 ms",
            )
        )
    for r in results.get("stream", []):
        out.append(
            (
                "stream",
                f"{r['batch']} ({r['hours']} h)",
                f"{_ms(r['median_ms'])}, {r['dynamodb_calls']:g} DynamoDB calls",
                f"{r['calls_per_hour']:g} calls per hour",
            )
        )
    for area, measures in results.get("external", {}).items():
        if not measures:
            out.append((area, "-", "not available", ""))
        for name, value in measures:
            out.append((area, name, value, ""))
    return out


def table(results: dict[str, Any]) -> str:
    lines = ["| area | measure | value | versus |", "| --- | --- | --- | --- |"]
    lines += [f"| {' | '.join(cell.replace('|', '/') for cell in row)} |" for row in rows(results)]
    machine = results.get("machine", {})
    if machine:
        lines.append("")
        lines.append(
            f"Measured {machine['when']} on {machine['cpus']} CPUs, Python {machine['python']}"
            f" (load average {machine['load']} at the start); `make bench` to reproduce."
        )
    return "\n".join(lines)


def update_readme(path: Path, markdown: str) -> None:
    """Replace the text between the bench markers (both must be there) with ``markdown``."""
    text = path.read_text()
    # Markers count only alone on their line, so prose that mentions them is left alone.
    pattern = re.compile(
        "^" + re.escape(START) + r"$.*?^" + re.escape(END) + "$", re.DOTALL | re.MULTILINE
    )
    if not pattern.search(text):
        raise SystemExit(f"{path}: no {START} ... {END} block to update")
    path.write_text(pattern.sub(lambda _: f"{START}\n{markdown}\n{END}", text, count=1))
