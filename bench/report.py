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
    cold = results.get("cold_start") or {}
    host = cold.get("host") or {}
    if host:
        floor = host["hello"]["total_median_ms"]
        for name, r in host.items():
            ratio = r["total_median_ms"] / floor
            # The target (issue 17) is for the image; on the host the floor has no container.
            verdict = "floor" if name == "hello" else f"{ratio:.1f}x floor"
            out.append(
                (
                    "cold start",
                    f"{name}: start -> first response, median / p90 (init)",
                    f"{_ms(r['total_median_ms'])} / {_ms(r['total_p90_ms'])}"
                    f" ({_ms(r['init_median_ms'])})",
                    verdict,
                )
            )
    image = cold.get("image") or {}
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
                    "floor" if name.startswith("hello") else f"{ratio:.2f}x floor (target <= 2x)",
                )
            )
    elif cold:
        out.append(("cold start (docker run)", "-", "not available (no images)", ""))
    out += cost_rows(results.get("cost") or {})
    out += scale_rows(results.get("scale") or {})
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
        if area == "measured":  # when the area last ran (bench/results.py), not a row
            continue
        if not measures:
            out.append((area, "-", "not available", ""))
        for name, value in measures:
            out.append((area, name, value, ""))
    return out


def _usd(value: float) -> str:
    return f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def cost_rows(cost: dict[str, Any]) -> list[Row]:
    """One row per priced scenario: $/device-month at 1, 50 and 1,000 devices, and $/month."""
    rows: list[Row] = []
    scenarios = cost.get("scenarios") or {}
    seed = cost.get("seed_usd_per_device_month")
    for name, row in scenarios.items():
        per_device, per_month = row["per_device_month"], row["per_month"]
        value = " / ".join(_usd(per_device[n]) for n in ("1", "50", "1000"))
        value += " (" + " / ".join(_usd(per_month[n]) for n in ("1", "50", "1000")) + " a month)"
        versus = "" if not seed else f"{per_device['1'] / seed:.2f}x seed"
        if name == "seed":
            versus = "seed (as published)"
        rows.append(("cost", f"{row['label']}: $/device-month at 1 / 50 / 1,000", value, versus))
    return rows


def scale_rows(scale: dict[str, Any]) -> list[Row]:
    if not scale:
        return []
    offered = scale["offered_readings_per_s"]
    lag = scale.get("rollup_lag_p99_s")
    return [
        (
            "scale (make dev)",
            f"{scale['devices']} Pis, a reading each every {scale['interval_s']:g} s"
            f" ({offered:.1f} readings/s offered), {scale['minutes']:g} min",
            f"{scale['rolled_up_per_s']:.1f} readings/s rolled up; lag p50 / p99"
            f" {scale['rollup_lag_p50_s']:.1f} s / {lag:.1f} s"
            if lag is not None
            else "nothing rolled up",
            f"= {offered * 60:,.0f} devices at 1 a minute",
        )
    ]


def details(results: dict[str, Any]) -> list[str]:
    """Tables printed after the main one: the cost line items, default against the seed."""
    cost = results.get("cost") or {}
    scenarios = cost.get("scenarios") or {}
    if "default" not in scenarios or "seed" not in scenarios:
        return []
    columns = [n for n in ("default", "seed", "seed_quiet") if n in scenarios]
    lines = [
        "| $/device-month, 1 device | " + " | ".join(columns) + " |",
        "| --- |" + " --- |" * len(columns),
    ]
    items = sorted({k for n in columns for k in scenarios[n]["items_1_device"]})
    for item in items:
        cells = [_usd(scenarios[n]["items_1_device"].get(item, 0.0)) for n in columns]
        lines.append(f"| {item} | " + " | ".join(cells) + " |")
    totals = [_usd(scenarios[n]["per_device_month"]["1"]) for n in columns]
    lines.append("| **total** | " + " | ".join(f"**{t}**" for t in totals) + " |")
    return ["\n".join(lines)]


def cost_summary(cost: dict[str, Any]) -> str | None:
    """One sentence for the reader who wants the bill: the defaults against the seed."""
    scenarios = cost.get("scenarios") or {}
    if "default" not in scenarios or "seed" not in scenarios:
        return None
    default, seed = scenarios["default"], cost["seed_usd_per_device_month"]
    per_device = default["per_device_month"]["1"]
    prices = cost.get("prices") or [{}]
    where = f" ({prices[0].get('region', '?')} prices of {prices[0].get('date', '?')})"
    return (
        f"**What a thermostat costs on AWS**: with the default settings, one device at one"
        f" reading a minute costs {_usd(per_device)} a month{where},"
        f" {per_device / seed:.2f}x the seed's design measured the same way ({_usd(seed)});"
        f" 1,000 devices {_usd(default['per_month']['1000'])} a month."
    )


def table(results: dict[str, Any]) -> str:
    lines = []
    summary = cost_summary(results.get("cost") or {})
    if summary:
        lines += [summary, ""]
    lines += ["| area | measure | value | versus |", "| --- | --- | --- | --- |"]
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
