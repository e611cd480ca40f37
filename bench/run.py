"""Run the benchmarks and print one markdown table (``make bench``; docs/benchmarks.md).

    python -m bench [--runs 10] [--only cold,imports,ingest,stream,external,cost]
                    [--update-readme README.md] [--results .bench/results.json]
    python -m bench --only scale [--devices 50] [--minutes 5] [--interval 3]

Everything runs on 127.0.0.1: a moto_server with infra/template.yaml deployed, functions
started with ``python -m awslambdaric`` against bench.runtime_api, or run in process under the
cost meter. Every figure goes to ``.bench/results.json`` (areas not run keep their last
figures; keys in docs/benchmarks.md); the table goes to stdout (and into the README block).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import blocks, cost, external, report, results, scale, warm
from bench.cold_start import cold_starts, image_cold_starts, ratios
from bench.emulator import running_emulator
from bench.importtime import import_costs, imports_table

AREAS = ("cold", "imports", "ingest", "stream", "external", "cost")
EXTRA_AREAS = ("scale",)  # asked for by name only: it starts make dev with 50 Pis


def say(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def _emulator_areas(areas: set[str], args: argparse.Namespace) -> dict[str, Any]:
    found: dict[str, Any] = {}
    with running_emulator() as emulator:
        if "cold" in areas:
            host = cold_starts(emulator, args.runs, say)
            image = image_cold_starts(emulator, args.runs, say)
            found["cold_start"] = {"host": host, "image": image, **ratios(host, image)}
        if "imports" in areas:
            say("import costs (python -X importtime) and cold-start building blocks")
            found["imports"] = import_costs(emulator)
            found["blocks"] = blocks.measure(args.runs)
        if "ingest" in areas:
            say("warm ingest")
            found["ingest_throughput"] = warm.ingest_throughput(emulator, (1, 25, 100), 1000)
            found["function_url"] = external.function_url_throughput(emulator, (1, 25, 100))
            found["ingest_cpu"] = warm.ingest_cpu(emulator, (1, 25, 100), 5000)
        if "stream" in areas:
            say("stream batches")
            found["stream"] = warm.stream_batches(emulator, repeats=5)
        if "cost" in areas:
            found["cost"] = cost.measure(emulator, say, levers=not args.no_levers)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="cold starts per function (10)")
    parser.add_argument("--only", default=",".join(AREAS), help=f"subset of {','.join(AREAS)}")
    parser.add_argument("--update-readme", type=Path, help="replace the bench block in this file")
    parser.add_argument("--results", type=Path, default=results.RESULTS)
    parser.add_argument("--e2e-samples", type=int, default=50, help="POSTs timed through make dev")
    parser.add_argument("--no-levers", action="store_true", help="cost: defaults and seed only")
    parser.add_argument("--devices", type=int, default=50, help="scale: simulated Pis (50)")
    parser.add_argument("--minutes", type=float, default=5.0, help="scale: minutes measured (5)")
    parser.add_argument(
        "--interval", type=float, default=3.0, help="scale: seconds between a Pi's readings (3)"
    )
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
    unknown = areas - set(AREAS) - set(EXTRA_AREAS)
    if unknown:
        parser.error(f"unknown area(s) {', '.join(sorted(unknown))}")
    if args.build_images:
        say("make images")
        subprocess.run(["make", "images"], check=True, stdout=sys.stderr)
    found: dict[str, Any] = {"machine": results.machine()}
    if areas & {"cold", "imports", "ingest", "stream", "cost"}:
        found |= _emulator_areas(areas, args)
    if "external" in areas:
        found["external"] = external.collect(say, e2e_samples=args.e2e_samples)
    if "scale" in areas:
        found["scale"] = scale.measure(
            say, devices=args.devices, minutes=args.minutes, interval=args.interval
        )
    merged = results.save(args.results, found)
    markdown = report.table(merged)
    print(markdown)
    for extra in report.details(found):
        print("\n" + extra)
    if "imports" in found:
        print("\nImports over 20 ms on the first-request path:\n")
        print(imports_table(found["imports"]))
    if args.update_readme:
        report.update_readme(args.update_readme, markdown)
    return 0
