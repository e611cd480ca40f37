"""How long ``make dev`` takes to come back with a day of one device's data kept.

    python -m bench.devstack_restart [--runs 3]

Starts ``thermostat-devstack --no-pi --fresh`` on free ports in a temporary directory, writes
a simulated day with ``thermostat-devstack seed-demo`` (1440 readings at one a minute; the
stack's stream function makes their hourly and daily rollups and the status item), waits
until the status shows the day's last reading, stops it with Ctrl-C, then restarts it
`--runs` times (the last one after a SIGKILL) and reports, for each, the time from process
start to ``endpoints.json`` and how many items were restored.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from devstack.moto import free_port

REPO = Path(__file__).resolve().parents[1]
DEVSTACK = str(Path(sys.executable).with_name("thermostat-devstack"))


class Run:
    def __init__(self, home: Path, ports: tuple[int, int], *extra: str) -> None:
        argv = [DEVSTACK, "--no-pi", "--port", str(ports[0]), "--url-port", str(ports[1])]
        argv += [
            "--state-dir",
            str(home / ".devstack"),
            "--template",
            str(REPO / "infra/template.yaml"),
        ]
        self.endpoints = home / ".devstack" / "endpoints.json"
        self.endpoints.unlink(missing_ok=True)  # a SIGKILLed run leaves its own behind
        self.began = time.monotonic()
        self.process = subprocess.Popen(
            [*argv, *extra], cwd=home, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.ready = self._wait_ready()

    def _wait_ready(self) -> float:
        while not self.endpoints.exists():
            if self.process.poll() is not None or time.monotonic() - self.began > 60:
                raise SystemExit(f"make dev did not start: {self.process.communicate()[0]}")
            time.sleep(0.01)
        return time.monotonic() - self.began

    def restored(self) -> str:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("Kept data:"):
                return line.split("(", 1)[1].rstrip(")\n")
        return "?"

    def phases(self) -> str:
        """The start-up phases make dev logged (moto, deploy, restore, data plane)."""
        log = self.endpoints.with_name("stack.log").read_text(encoding="utf-8").splitlines()
        marks = ("moto_server up in", "stack deployed", "restored ", "data plane up")
        last = [line.split(" devstack.runner ", 1)[1] for line in log if "devstack.runner" in line]
        return "; ".join(line for line in last[-4:] if line.startswith(marks))

    def stop(self, sig: int = signal.SIGINT) -> None:
        self.process.send_signal(sig)
        self.process.communicate(timeout=60)


def wait_rolled_up(home: Path, last: str, timeout: float = 300) -> None:
    """Until the stream function has folded the seeded day into bench-day's status."""
    thermostat = str(Path(sys.executable).with_name("thermostat"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = subprocess.run(
            [thermostat, "status", "--json"], cwd=home, capture_output=True, text=True, check=False
        )
        rows = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        if any(r["device_id"] == "bench-day" and r["last_recorded_at"] == last for r in rows):
            return
        time.sleep(1)
    raise SystemExit(f"the stream function did not roll up the seeded day within {timeout:g} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.devstack_restart", description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        home, ports = Path(tmp), (free_port(), free_port())
        first = Run(home, ports, "--fresh")
        day = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()  # a whole past day
        seed = [DEVSTACK, "seed-demo", "--day", day, "--device", "bench-day"]
        seeded = subprocess.run(seed, cwd=home, capture_output=True, text=True, check=False)
        if seeded.returncode != 0:
            raise SystemExit(f"seed-demo failed: {seeded.stderr}")
        wait_rolled_up(home, f"{day}T23:59:00.000Z")
        time.sleep(2)  # the journal reads the stream every 0.2 s
        first.stop()
        rows = []
        for number in range(1, args.runs + 1):
            run = Run(home, ports)
            rows.append((number, run.ready, f"{run.restored()} ({run.phases()})"))
            run.stop(signal.SIGKILL if number == args.runs - 1 else signal.SIGINT)
            if number == args.runs - 1:
                time.sleep(0.5)  # let its children notice (PR_SET_PDEATHSIG)
    print("| start | ready (s) | kept data |\n| --- | --- | --- |")
    for number, ready, restored in rows:
        after = "after SIGKILL" if number == args.runs and args.runs > 1 else "after Ctrl-C"
        print(f"| {number} ({after}) | {ready:.2f} | {restored} |")
    print(json.dumps({"ready_seconds": [round(r, 3) for _, r, _ in rows]}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
