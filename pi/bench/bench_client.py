"""Benchmark the Pi client: steady RSS and CPU per reading, and spool drain throughput.

Usage: python pi/bench/bench_client.py [--readings 1000] [--backlog 10000]

1. Starts `thermostat-pi run --simulate` as a real process against a local HTTP server
   (127.0.0.1, answers 200 like the ingest function) with a short interval, and reads the
   child's RSS and CPU time from /proc once it has sent `--readings` readings. Every
   reading is fsynced to the spool and POSTed on its own, as on a Pi online at one a minute.
2. Times Spool.append (fsynced), then draining a `--backlog` of readings (batch 100, 500).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from thermostat.contract import Reading
from thermostat_pi.spool import Spool
from thermostat_pi.uploader import Uploader

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Sink:
    """A local stand-in for the ingest Function URL that counts what it accepts."""

    def __init__(self) -> None:
        self.count = 0
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                sink.count += len(body["readings"])
                payload = json.dumps({"stored": len(body["readings"])}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def proc_stats(pid: int) -> tuple[float, float, float]:
    """(RSS MB, private anonymous MB, CPU seconds user+system) of a process, from /proc."""
    kb = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon"):
            kb[name] = int(value.split()[0])
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return kb["VmRSS"] / 1024, kb["RssAnon"] / 1024, cpu


def bench_service(workdir: Path, readings: int, python: str) -> dict[str, float]:
    sink = Sink()
    config = workdir / "pi.toml"
    config.write_text(
        'device_id = "bench"\ninterval_seconds = 0.01\nmin_cycle_seconds = 0\n'
        f'spool_path = "{workdir / "service.db"}"\n'
        f'[endpoint]\nurl = "{sink.url}"\nauth = "NONE"\n'
    )
    child = subprocess.Popen(
        [python, "-m", "thermostat_pi.cli", "--config", str(config), "run", "--simulate"],
        stderr=subprocess.DEVNULL,
        env={**os.environ, "MALLOC_ARENA_MAX": "2"},  # as the systemd unit sets it
    )
    try:
        warmup = readings // 5
        while sink.count < warmup:
            time.sleep(0.05)
        rss_start, _, cpu_start = proc_stats(child.pid)
        sent_start, started = sink.count, time.monotonic()
        while sink.count < warmup + readings:
            time.sleep(0.05)
        rss_end, anon_end, cpu_end = proc_stats(child.pid)
        sent = sink.count - sent_start
        elapsed = time.monotonic() - started
    finally:
        child.terminate()
        child.wait(30)
        sink.close()
    return {
        "rss_mb_after_warmup": rss_start,
        "rss_mb_steady": rss_end,
        "anon_mb_steady": anon_end,
        "cpu_ms_per_reading": (cpu_end - cpu_start) / sent * 1000,
        "readings_per_s": sent / elapsed,
    }


def bench_readings(count: int) -> list[Reading]:
    start = datetime.now(UTC) - timedelta(days=8)
    return [
        Reading(
            device_id="bench",
            recorded_at=start + timedelta(minutes=i),
            temperature_c=18 + (i % 50) / 10,
            setpoint_c=20,
            heating=i % 3 == 0,
        )
        for i in range(count)
    ]


def bench_append(workdir: Path, count: int) -> float:
    """Milliseconds per Spool.append (one committed, fsynced transaction each)."""
    spool = Spool(workdir / "append.db")
    readings = bench_readings(count)
    began = time.perf_counter()
    for reading in readings:
        spool.append(reading)
    elapsed = time.perf_counter() - began
    spool.close()
    return elapsed / count * 1000


def bench_drain(workdir: Path, backlog: int, batch_size: int) -> float:
    """Readings per second sent from a spool holding ``backlog`` readings."""
    spool = Spool(workdir / f"drain-{batch_size}.db", max_rows=backlog)
    # The backlog goes in as one transaction: fsyncing 10,000 appends would only time the disk.
    rows = [(json.dumps(r.to_wire()), "bench") for r in bench_readings(backlog)]
    with sqlite3.connect(spool.path) as db:
        db.executemany("INSERT INTO readings (body, spooled_at) VALUES (?, ?)", rows)
    sink = Sink()
    try:
        uploader = Uploader(spool=spool, url=sink.url, batch_size=batch_size)
        began = time.perf_counter()
        assert uploader.drain(max_failures=1)
        elapsed = time.perf_counter() - began
    finally:
        sink.close()
        spool.close()
    assert sink.count == backlog
    return backlog / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=1000)
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="interpreter of the venv to measure (e.g. one with only the Pi's packages)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="thermostat-pi-bench-") as tmp:
        workdir = Path(tmp)
        service = bench_service(workdir, args.readings, args.python)
        append_ms = bench_append(workdir, 1000)
        drains = {size: bench_drain(workdir, args.backlog, size) for size in (100, 500)}
    rows = [
        ("client RSS after warm-up (run --simulate)", f"{service['rss_mb_after_warmup']:.1f} MB"),
        (f"client RSS after {args.readings} more readings", f"{service['rss_mb_steady']:.1f} MB"),
        ("  of which private (anonymous) memory", f"{service['anon_mb_steady']:.1f} MB"),
        ("client CPU per reading (sense+spool+POST)", f"{service['cpu_ms_per_reading']:.2f} ms"),
        ("spool append, fsynced (per reading)", f"{append_ms:.2f} ms"),
    ]
    rows += [
        (
            f"drain {args.backlog} backlog, batch {size}",
            f"{rate:,.0f} readings/s",
        )
        for size, rate in drains.items()
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 20}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
