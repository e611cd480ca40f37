"""Run the benchmarks and print one markdown table (``make bench``; docs/benchmarks.md).

    python -m bench [--runs 10] [--only cold,imports,ingest,stream,external]
                    [--update-readme README.md] [--results-dir bench-results]

Everything runs on 127.0.0.1: a moto_server with infra/template.yaml deployed, functions
started with ``python -m awslambdaric`` against bench.runtime_api. Raw figures go to
``bench-results/<UTC time>.json``; the table goes to stdout (and into the README block).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import blocks, external, report, warm
from bench.cold_start import ColdStart, one_cold_start
from bench.emulator import Emulator, ingest_event, readings, running_emulator
from bench.importtime import expensive, first_request_imports
from thermostat_ingest import handler as ingest_handler

AREAS = ("cold", "imports", "ingest", "stream", "external")
FUNCTIONS = {
    "hello": "bench.hello.handler",
    "ingest": "thermostat_ingest.handler.handler",
    "stream": "thermostat_stream.handler.handler",
}


def say(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def cold_events(emulator: Emulator) -> dict[str, Any]:
    """One valid reading for ingest (and the floor); one real stream record for stream."""
    event = ingest_event(readings("cold-start", 1))
    stream = emulator.stream()
    stream.records()
    app = ingest_handler.build_app(emulator.env())
    warm.quiet(app.logger)
    assert app.handle(ingest_event(readings("cold-stream", 1)))["statusCode"] == 200
    [record] = stream.records()
    return {"hello": event, "ingest": event, "stream": {"Records": [record]}}


def cold_starts(emulator: Emulator, runs: int) -> dict[str, Any]:
    """``runs`` cold starts of each function, interleaved so load drift hits all alike."""
    events = cold_events(emulator)
    results = {name: ColdStart(name, [], []) for name in FUNCTIONS}
    for name, handler in FUNCTIONS.items():  # discarded: compiles .pyc, as an image build does
        one_cold_start(handler, events[name], emulator.env())
    for run in range(runs):
        say(f"cold start round {run + 1}/{runs}")
        for name, handler in FUNCTIONS.items():
            init_ms, total_ms, response = one_cold_start(handler, events[name], emulator.env())
            if name == "ingest":
                assert response["statusCode"] == 200, response
            results[name].init_ms.append(init_ms)
            results[name].total_ms.append(total_ms)
    return {name: result.summary() for name, result in results.items()}


def image_cold_starts(emulator: Emulator, runs: int) -> dict[str, Any]:
    """The same in the built images (``make images``), started by ``docker run``."""
    found = external.image_ids()
    if not found:
        return {}
    events = cold_events(emulator)
    specs = {
        "hello (ingest image)": (found["ingest"], "bench_hello.handler", events["hello"]),
        "ingest image": (found["ingest"], FUNCTIONS["ingest"], events["ingest"]),
        "stream image": (found["stream"], FUNCTIONS["stream"], events["stream"]),
    }
    results = {name: ColdStart(name, [], []) for name in specs}
    for run in range(runs + 1):
        say(f"image cold start round {run + 1}/{runs + 1}")
        for name, (image, handler, event) in specs.items():
            init_ms, total_ms, _ = one_cold_start(handler, event, emulator.env(), image=image)
            if run:  # the first round warms the page cache, as a provisioned host would be
                results[name].init_ms.append(init_ms)
                results[name].total_ms.append(total_ms)
    return {name: result.summary() for name, result in results.items()}


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


def machine() -> dict[str, Any]:
    return {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load": " ".join(f"{v:.1f}" for v in os.getloadavg()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="cold starts per function (10)")
    parser.add_argument("--only", default=",".join(AREAS), help=f"subset of {','.join(AREAS)}")
    parser.add_argument("--update-readme", type=Path, help="replace the bench block in this file")
    parser.add_argument("--results-dir", type=Path, default=Path("bench-results"))
    parser.add_argument("--e2e-samples", type=int, default=50, help="POSTs timed through make dev")
    parser.add_argument(
        "--build-images", action="store_true", help="run `make images` first (needs Docker)"
    )
    parser.add_argument("--render", type=Path, help="print the table of a recorded results file")
    args = parser.parse_args(argv)
    if args.render:
        markdown = report.table(json.loads(args.render.read_text()))
        print(markdown)
        if args.update_readme:
            report.update_readme(args.update_readme, markdown)
        return 0
    areas = set(args.only.split(","))
    if args.build_images:
        say("make images")
        subprocess.run(["make", "images"], check=True, stdout=sys.stderr)
    results: dict[str, Any] = {"machine": machine()}
    with running_emulator() as emulator:
        if "cold" in areas:
            results["cold_start"] = cold_starts(emulator, args.runs)
            results["image_cold_start"] = image_cold_starts(emulator, args.runs)
        if "imports" in areas:
            say("import costs (python -X importtime) and cold-start building blocks")
            results["imports"] = import_costs(emulator)
            results["blocks"] = blocks.measure(args.runs)
        if "ingest" in areas:
            say("warm ingest")
            results["ingest_throughput"] = warm.ingest_throughput(emulator, (1, 25, 100), 1000)
            results["function_url"] = external.function_url_throughput(emulator, (1, 25, 100))
            results["ingest_cpu"] = warm.ingest_cpu(emulator, (1, 25, 100), 5000)
        if "stream" in areas:
            say("stream batches")
            results["stream"] = warm.stream_batches(emulator, repeats=5)
    if "external" in areas:
        results["external"] = external.collect(say, e2e_samples=args.e2e_samples)
    markdown = report.table(results)
    print(markdown)
    if "imports" in results:
        print("\nImports over 20 ms on the first-request path:\n")
        print(imports_table(results["imports"]))
        print("\nCold-start building blocks (fresh interpreter each, median):\n")
        print("| block | process start -> exit |\n| --- | --- |")
        for block in results["blocks"]:
            print(f"| {block['block']} | {block['median_ms']:.0f} ms |")
    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (args.results_dir / f"{stamp}.json").write_text(json.dumps(results, indent=2) + "\n")
    if args.update_readme:
        report.update_readme(args.update_readme, markdown)
    return 0
