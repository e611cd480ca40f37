"""Many Pis through ``make dev``: the readings a second the local stack sustains, and how long
after a reading is taken its hour's rollup (the open hour on the device's status) holds it.

``python -m bench --only scale [--devices 50] [--minutes 5] [--interval 3]``. Each simulated
device is the Pi's own code in a thread: the control loop in a simulated house (``tick``), a
spool on disk, and the uploader with the default cadence (two readings a request), signing
each POST with SigV4 for the Function URL of ``thermostat-devstack --no-pi``. A reading every
``interval`` seconds per device: 50 devices every 3 s offer what 1,000 devices at one reading a
minute offer (16.7 readings/s). Rollup lag: the status items are read from the status index
every ``POLL_S``; a reading counts as rolled up when its device's open hour reaches it.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from bench.end_to_end import running_devstack
from thermostat.endpoints import Endpoints
from thermostat.items import StatusItem, from_wire, to_wire
from thermostat_pi.cadence import UploadCadence
from thermostat_pi.outbox import Outbox
from thermostat_pi.service import tick
from thermostat_pi.simulation import simulated_pi
from thermostat_pi.uploader import Uploader, make_auth

POLL_S = 0.25


class Device(threading.Thread):
    """One Pi: a reading every ``interval`` s, sent by the uploader when its cadence says."""

    def __init__(
        self, number: int, endpoints: Endpoints, folder: Path, interval: float, stop: Any
    ) -> None:
        super().__init__(name=f"pi-{number}", daemon=True)
        self.device_id = f"scale-{number:03d}"
        self.interval, self.stop = interval, stop
        self.pi = simulated_pi(
            monotonic=time.monotonic, now=lambda: datetime.now(UTC), setpoint_c=20.5, seed=number
        )
        self.outbox = Outbox(folder / f"{self.device_id}.db")
        auth = make_auth(
            "AWS_IAM",
            region=endpoints.region,
            access_key_id=endpoints.access_key_id,
            secret_access_key=endpoints.secret_access_key,
        )
        self.uploader = Uploader(
            spool=self.outbox,
            url=endpoints.ingest_url,
            auth=auth,
            cadence=UploadCadence(2, interval * 1.5),
            sleep=stop.wait,
        )
        self.taken: list[datetime] = []

    def run(self) -> None:
        next_at = time.monotonic()
        while not self.stop.is_set():
            reading = tick(
                thermostat=self.pi.thermostat,
                outbox=self.outbox,
                device_id=self.device_id,
                now=lambda: datetime.now(UTC),
            )
            if reading is not None:
                self.taken.append(reading.recorded_at)
            self.uploader.send_if_due(stop=self.stop)
            next_at += self.interval
            self.stop.wait(max(0.0, next_at - time.monotonic()))
        self.outbox.close()


class RollupWatcher(threading.Thread):
    """Reads every device's status item (BatchGetItem, by key: cheap for the emulator too)
    every ``POLL_S``; notes when each device's open hour first reaches a newer reading."""

    def __init__(self, client: Any, table: str, devices: list[str], stop: Any) -> None:
        super().__init__(name="rollup-watcher", daemon=True)
        self.client, self.table, self.stop = client, table, stop
        self.keys = [to_wire(StatusItem.key_of(device)) for device in devices]
        self.arrivals: list[tuple[str, datetime, float]] = []  # device, covers up to, seen at
        self._last: dict[str, datetime] = {}

    def run(self) -> None:
        while not self.stop.is_set():
            for start in range(0, len(self.keys), 100):  # BatchGetItem takes 100 keys
                request = {self.table: {"Keys": self.keys[start : start + 100]}}
                answer = self.client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self.table, []):
                    self._note(StatusItem.from_item(from_wire(item)))
            self.stop.wait(POLL_S)

    def _note(self, status: StatusItem) -> None:
        if status.open_hour is None:
            return
        last = status.open_hour.stats.last_recorded_at
        if status.device_id not in self._last or self._last[status.device_id] < last:
            self._last[status.device_id] = last
            self.arrivals.append((status.device_id, last, time.time()))


def measure(
    say: Callable[[str], None], *, devices: int, minutes: float, interval: float = 3.0
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        state = Path(os.environ.get("BENCH_SCALE_STATE", folder))  # kept when named
        state.mkdir(parents=True, exist_ok=True)
        say(f"scale: make dev with {devices} simulated Pis, a reading each every {interval:g} s")
        with running_devstack(state) as endpoints:
            client = boto3.client("dynamodb", **endpoints.client_args())
            stop = threading.Event()
            pis = [Device(n, endpoints, state, interval, stop) for n in range(devices)]
            ids = [pi.device_id for pi in pis]
            watcher = RollupWatcher(client, endpoints.table_name, ids, stop)
            watcher.start()
            started = time.time()
            for pi in pis:
                pi.start()
                time.sleep(interval / devices)  # spread the devices over the interval
            stop.wait(minutes * 60)
            stop.set()
            for pi in pis:
                pi.join(30)
            watcher.join(10)
            elapsed = time.time() - started
    return _summary(pis, watcher.arrivals, elapsed, devices, interval, minutes)


def _summary(
    pis: list[Device],
    arrivals: list[tuple[str, datetime, float]],
    elapsed: float,
    devices: int,
    interval: float,
    minutes: float,
) -> dict[str, Any]:
    lags = []
    for pi in pis:
        mine = [(last, at) for device, last, at in arrivals if device == pi.device_id]
        for taken in pi.taken:
            covered = [at for last, at in mine if last >= taken]
            if covered:
                lags.append(min(covered) - taken.timestamp())
    taken_total = sum(len(pi.taken) for pi in pis)
    ordered = sorted(lags)
    return {
        "devices": devices,
        "interval_s": interval,
        "minutes": minutes,
        "offered_readings_per_s": devices / interval,
        "readings_taken": taken_total,
        "readings_rolled_up": len(lags),
        "rolled_up_per_s": len(lags) / elapsed,
        "rollup_lag_p50_s": statistics.median(ordered) if ordered else None,
        "rollup_lag_p99_s": ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        if ordered
        else None,
        "poll_s": POLL_S,
    }
