"""The installed `thermostat` entry point and --endpoint-url against a real moto_server."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import Result, configure_env, run_console_script
from thermostat_cli.main import main

TABLE = "demo-readings"


@pytest.fixture(scope="module")
def endpoint(moto: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """GIVEN `thermostat-devstack seed-demo --create-table` run against moto_server."""
    moto.reset()
    folder = tmp_path_factory.mktemp("console")
    env = {k: v for k, v in moto.env().items() if k != "AWS_ENDPOINT_URL"}
    done = run_console_script(
        "seed-demo",
        "--endpoint-url",
        moto.endpoint_url,
        "--table",
        TABLE,
        "--day",
        "2025-12-01",
        "--interval",
        "10m",
        "--create-table",
        env=env,
        cwd=folder,
        script="thermostat-devstack",
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == (
        "wrote 144 simulated readings of 'living-room' to table 'demo-readings'"
        " with their rollups and status\n"
    )
    with pytest.MonkeyPatch.context() as monkeypatch:
        configure_env(monkeypatch, folder)
        monkeypatch.setenv("AWS_REGION", env["AWS_REGION"])
        yield moto.endpoint_url


def over_http(endpoint: str, *argv: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--endpoint-url", endpoint, "--table", TABLE, *argv], out=out, err=err)
    return Result(code, out.getvalue(), err.getvalue())


def test_seeded_readings_read_back_over_http(endpoint: str) -> None:
    """history --csv through --endpoint-url returns the 144 seeded readings."""
    result = over_http(
        endpoint, "history", "--device", "living-room", "--day", "2025-12-01", "--csv"
    )
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert result.code == 0, result.err
    assert len(rows) == 144
    assert rows[0]["recorded_at"] == "2025-12-01T00:00:00.000Z"


def test_seed_demo_writes_hourly_rollups(endpoint: str) -> None:
    """The seeded table has the 24 hourly rollups of the day."""
    result = over_http(
        endpoint, "history", "--device", "living-room", "--day", "2025-12-01", "--hourly", "--json"
    )
    assert [json.loads(line)["reading_count"] for line in result.out.splitlines()] == [6] * 24


def test_seed_demo_writes_the_daily_rollup(endpoint: str) -> None:
    """The seeded table has the day's rollup over all 144 readings."""
    result = over_http(
        endpoint, "history", "--device", "living-room", "--day", "2025-12-01", "--daily", "--json"
    )
    assert json.loads(result.out)["reading_count"] == 144


def test_seed_demo_writes_the_status_item(endpoint: str) -> None:
    """status finds the seeded device through the status index, silent since that day."""
    result = over_http(endpoint, "status", "--json")
    row = json.loads(result.out)
    assert (row["device_id"], row["silent"]) == ("living-room", True)
    assert row["last_recorded_at"] == "2025-12-01T23:50:00.000Z"


class ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


class Interrupted(io.StringIO):
    def write(self, text: str) -> int:
        raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("out", "code", "said"),
    [
        pytest.param(ClosedPipe(), 141, "", id="closed-pipe"),
        pytest.param(Interrupted(), 130, "\nthermostat: interrupted\n", id="ctrl-c"),
    ],
)
def test_an_export_stopped_from_outside_ends_quietly(
    endpoint: str, out: io.StringIO, code: int, said: str
) -> None:
    """`history | head -1` (the reader leaves): exit 141, nothing said; Ctrl-C during an
    export: exit 130 and one short line; never a traceback."""
    err = io.StringIO()
    argv = ["--endpoint-url", endpoint, "--table", TABLE, "history", "--device", "living-room"]
    assert main([*argv, "--day", "2025-12-01"], out=out, err=err) == code
    assert err.getvalue() == said


def test_importing_the_command_does_not_import_matplotlib() -> None:
    """matplotlib is loaded only by plot: status and history never pay for it."""
    code = "import sys, thermostat_cli.main; print('matplotlib' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert done.stdout.strip() == "False"


def test_help_lists_the_commands_and_exit_codes(tmp_path: Path) -> None:
    """`thermostat --help` from the console script names each command and the exit codes."""
    done = run_console_script("--help", env={}, cwd=tmp_path)
    assert done.returncode == 0
    for word in ("status", "history", "plot", "Exit codes: 0"):
        assert word in done.stdout
