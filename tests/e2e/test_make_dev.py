"""``make dev`` itself: thermostat-devstack as a subprocess, driven like a person would."""

from __future__ import annotations

import json
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from devstack.moto import port_is_listening
from tests.e2e.devstack_process import Devstack
from tests.e2e.e2e_support import REPO, functions_of_stack, processes_mentioning
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e


def test_make_dev_serves_the_printed_curl_and_stops_cleanly_on_ctrl_c(
    start_devstack: Callable[..., Devstack],
) -> None:
    """endpoints.json appears, the printed curl stores a reading, Ctrl-C leaves nothing up."""
    devstack = start_devstack("--no-pi")
    endpoints_file = devstack.state_dir / "endpoints.json"
    wait_for(endpoints_file.exists, timeout=30)
    ready_seconds = time.monotonic() - devstack.started
    endpoints = json.loads(endpoints_file.read_text())
    assert set(endpoints) >= {
        "aws_endpoint_url",
        "region",
        "ingest_url",
        "table_name",
        "access_key_id",
        "secret_access_key",
    }
    assert endpoints["aws_endpoint_url"] == f"http://127.0.0.1:{devstack.port}"
    curl = devstack.next_line("curl --aws-sigv4").strip()
    answer = subprocess.run(shlex.split(curl), capture_output=True, text=True, timeout=20)
    assert json.loads(answer.stdout) == {"stored": 1}
    devstack.next_line("reading  dev-pi")  # the device make dev made: the curl signs as it
    devstack.next_line("rollup   dev-pi  hour")
    url_port = int(endpoints["ingest_url"].rstrip("/").rsplit(":", 1)[1])

    devstack.process.send_signal(signal.SIGINT)
    assert devstack.process.wait(20) == 0
    assert not port_is_listening(devstack.port)
    assert not port_is_listening(url_port)
    assert functions_of_stack(devstack.stack_name) == []
    assert not endpoints_file.exists()
    print(f"make dev ready in {ready_seconds:.2f} s")


def test_make_dev_runs_the_simulated_pi_and_stops_it(
    start_devstack: Callable[..., Devstack],
) -> None:
    """Without --no-pi the simulated Pi's readings show up; Ctrl-C stops the Pi too."""
    devstack = start_devstack("--interval", "0.5")
    # The real client, the Pi's own control loop in a simulated house.
    assert "thermostat-pi run --simulate" in devstack.next_line("Simulated Pi:", timeout=30)
    devstack.next_line("reading  dev-pi", timeout=15)
    devstack.next_line("rollup   dev-pi  hour")
    pi_config = str(devstack.state_dir / "pi.toml")
    assert processes_mentioning(pi_config)

    devstack.process.send_signal(signal.SIGINT)
    assert devstack.process.wait(20) == 0
    assert processes_mentioning(pi_config) == []
    assert not port_is_listening(devstack.port)


def test_make_dev_on_a_taken_port_exits_1_and_says_why(tmp_path: Path) -> None:
    """If 4566 (or --port) is taken, make dev stops at once with a clear message."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        devstack = Path(sys.executable).with_name("thermostat-devstack")
        argv = [str(devstack), "--no-pi", "--port", str(busy.getsockname()[1])]
        argv += ["--state-dir", str(tmp_path)]
        result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "already in use" in result.stderr
    assert not (tmp_path / "endpoints.json").exists()
