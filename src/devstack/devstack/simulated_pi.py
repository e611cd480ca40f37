"""A stand-in Pi for ``make dev``: the real ``thermostat-pi --simulate`` when installed,
otherwise a small sender that posts a simulated reading every few seconds, SigV4-signed."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from thermostat.contract import format_timestamp


def pi_command() -> str | None:
    """The ``thermostat-pi`` next to this interpreter, or on PATH."""
    beside = Path(sys.executable).with_name("thermostat-pi")
    return str(beside) if beside.exists() else shutil.which("thermostat-pi")


def write_pi_config(
    path: Path, endpoints: dict[str, str], *, device_id: str, interval: float
) -> None:
    spool = path.with_name("pi-spool.db")
    path.write_text(
        f'device_id = "{device_id}"\n'
        f"interval_seconds = {interval}\n"
        "setpoint_c = 20.5\n"
        f'spool_path = "{spool}"\n'
        "min_cycle_seconds = 30\n\n"
        "[endpoint]\n"
        f'url = "{endpoints["ingest_url"]}"\n'
        f'auth = "{endpoints["auth_type"]}"\n'
        f'region = "{endpoints["region"]}"\n'
        f'access_key_id = "{endpoints["access_key_id"]}"\n'
        f'secret_access_key = "{endpoints["secret_access_key"]}"\n',
        encoding="utf-8",
    )


def start_pi_process(config: Path, log_path: Path) -> subprocess.Popen[bytes] | None:
    command = pi_command()
    if command is None:
        return None
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [command, "--config", str(config), "run", "--simulate"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # stopped by us, in order, not by the terminal's Ctrl-C
        )


def signed_post(url: str, body: bytes, endpoints: dict[str, str]) -> int:
    """POST JSON to the Function URL, signed like a Pi signs (service ``lambda``)."""
    request = AWSRequest("POST", url, data=body, headers={"Content-Type": "application/json"})
    if endpoints.get("auth_type", "AWS_IAM") == "AWS_IAM":
        credentials = Credentials(endpoints["access_key_id"], endpoints["secret_access_key"])
        SigV4Auth(credentials, "lambda", endpoints["region"]).add_auth(request)
    prepared = urllib.request.Request(  # noqa: S310 (the URL is ours, on 127.0.0.1)
        url, data=body, headers=dict(request.headers.items()), method="POST"
    )
    try:
        with urllib.request.urlopen(prepared, timeout=10) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


class SimulatedSender:
    """Posts a random-walk reading every ``interval`` seconds from a background thread."""

    def __init__(self, endpoints: dict[str, str], *, device_id: str, interval: float) -> None:
        self._endpoints, self._device, self._interval = endpoints, device_id, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="simulated-pi", daemon=True)
        self._temperature, self._heating = 19.5, False
        self.sent: list[int] = []

    def reading(self) -> dict[str, Any]:
        setpoint = 20.5
        self._heating = self._temperature < setpoint - 0.3 or (
            self._heating and self._temperature < setpoint + 0.3
        )
        drift = 0.15 if self._heating else -0.1
        self._temperature = round(self._temperature + drift + random.uniform(-0.05, 0.05), 2)  # noqa: S311
        return {
            "device_id": self._device,
            "recorded_at": format_timestamp(datetime.now(UTC)),
            "temperature_c": self._temperature,
            "setpoint_c": setpoint,
            "heating": self._heating,
        }

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=15)

    def _run(self) -> None:
        while not self._stop.is_set():
            body = json.dumps(self.reading()).encode()
            try:
                self.sent.append(signed_post(self._endpoints["ingest_url"], body, self._endpoints))
            except OSError:
                self.sent.append(0)
            self._stop.wait(self._interval)
