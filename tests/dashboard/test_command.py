"""`thermostat dashboard` as a process: its URL, a taken port, --open, Ctrl-C."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.cli.helpers import run_console_script
from tests.support.dashboard_stack import running_dashboard


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No AWS config file either (both runners drop this machine's AWS_* variables)."""
    return {"AWS_CONFIG_FILE": str(tmp_path / "none"), **extra}


def test_prints_its_url_serves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """--port 0: the printed URL answers (here: no stack yet, said as JSON); SIGINT exits 0."""
    with running_dashboard(tmp_path, env=_env(tmp_path), stderr=subprocess.PIPE) as dashboard:
        try:
            urllib.request.urlopen(dashboard.url + "api/devices", timeout=10)
        except urllib.error.HTTPError as err:
            body = json.loads(err.read())
            assert (err.code, body["error"]["kind"]) == (503, "no-table")
        else:
            raise AssertionError("expected 503 without a table")
        process = dashboard.process
        process.send_signal(signal.SIGINT)
        assert process.wait(20) == 0
        assert process.stderr is not None
        assert "not connected yet: no table given" in process.stderr.read()


def test_a_taken_port_exits_2_and_says_so(tmp_path: Path) -> None:
    """Another program on --port: one line naming the port and what to do, exit 2."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_console_script(
            "dashboard", "--port", str(port), env=_env(tmp_path), cwd=tmp_path
        )
    assert result.returncode == 2
    assert result.stderr == (
        f"thermostat: port {port} is in use: pass --port N (0 picks a free one)\n"
    )


def test_open_opens_the_page_in_the_browser(tmp_path: Path) -> None:
    """--open hands the printed URL to the user's browser ($BROWSER here: a script)."""
    opened = tmp_path / "opened"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n', encoding="utf-8")
    browser.chmod(0o755)
    with running_dashboard(
        tmp_path, "--open", env=_env(tmp_path, BROWSER=str(browser))
    ) as dashboard:
        deadline = time.monotonic() + 20
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert opened.read_text(encoding="utf-8").strip() == dashboard.url


def test_refresh_below_one_second_is_refused(tmp_path: Path) -> None:
    """--refresh 0.2 would poll the table five times a second: refused with a message."""
    result = run_console_script(
        "dashboard", "--port", "0", "--refresh", "0.2", env=_env(tmp_path), cwd=tmp_path
    )
    assert (result.returncode, result.stderr) == (
        2,
        "thermostat: --refresh must be at least 1 second\n",
    )
