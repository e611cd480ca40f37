"""The real `thermostat-pi` process: SIGKILL mid-batch, `run --simulate` and SIGTERM, flush."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from ingest_fake import IngestServer
from pi_cli import CLI, spawn, stop, wait_for, write_config
from pi_fakes import make_readings, w1_slave_text, write_sensor

from thermostat_pi.cli import main
from thermostat_pi.spool import Spool


def kill_while_held(child: subprocess.Popen[bytes], ingest: IngestServer) -> None:
    """SIGKILL ``child`` while the server holds its POST; then the server answers again."""
    child.send_signal(signal.SIGKILL)
    assert child.wait(10) == -signal.SIGKILL
    held, ingest.hold = ingest.hold, None
    assert held is not None
    held.set()


@contextmanager
def intact_spool(path: Path) -> Iterator[sqlite3.Connection]:
    """The spool file, read with sqlite3 once SQLite's integrity check passed on it."""
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        yield db


def test_sigkill_mid_batch_loses_nothing(
    tmp_path: Path, ingest: IngestServer, processes: list[subprocess.Popen[bytes]]
) -> None:
    """SIGKILL while a batch is in flight: on restart every reading arrives, in order."""
    readings = make_readings(300)
    spool = Spool(tmp_path / "spool.db")
    for reading in readings:
        spool.append(reading)
    spool.close()
    config = write_config(tmp_path, ingest.url, batch_size=100)
    ingest.hold = threading.Event()

    child = spawn(processes, "--config", str(config), "flush")
    assert ingest.arrived.wait(20), child.stderr.read() if child.stderr else ""
    kill_while_held(child, ingest)

    with intact_spool(tmp_path / "spool.db") as db:
        assert db.execute("SELECT count(*) FROM readings").fetchone()[0] == 300
    again = spawn(processes, "--config", str(config), "flush")
    assert again.wait(20) == 0
    assert ingest.stored == [r.to_wire() for r in readings]


def test_sigkill_while_running_loses_nothing(
    tmp_path: Path, ingest: IngestServer, processes: list[subprocess.Popen[bytes]]
) -> None:
    """SIGKILL of `run` while it spools and a POST hangs: every reading ever spooled arrives."""
    config = write_config(tmp_path, ingest.url, interval_seconds=0.01, min_cycle_seconds=0)
    ingest.hold_after, ingest.hold = 3, threading.Event()
    child = spawn(processes, "--config", str(config), "run", "--simulate")
    assert ingest.arrived.wait(20)
    spool = Spool(tmp_path / "spool.db")
    # The control loop keeps spooling while the upload hangs.
    wait_for(lambda: spool.status().depth >= 20, "20 readings spooled", child)
    spool.close()
    kill_while_held(child, ingest)

    with intact_spool(tmp_path / "spool.db") as db:
        # AUTOINCREMENT: the highest id ever given out is the number of readings spooled.
        [spooled] = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'readings'")
    assert spawn(processes, "--config", str(config), "flush").wait(20) == 0
    recorded = [r["recorded_at"] for r in ingest.stored]
    assert len(recorded) == spooled[0] >= 20
    assert recorded == sorted(set(recorded))


def test_run_simulate_sends_readings_and_stops_cleanly_on_sigterm(
    tmp_path: Path, ingest: IngestServer, processes: list[subprocess.Popen[bytes]]
) -> None:
    """`run --simulate` spools and sends readings; SIGTERM exits 0 with the relay off."""
    config = write_config(tmp_path, ingest.url, interval_seconds=0.05, min_cycle_seconds=0)
    child = spawn(processes, "--config", str(config), "run", "--simulate")
    wait_for(lambda: len(ingest.stored) >= 3, "3 readings stored", child)
    assert "received SIGTERM" in stop(child)
    assert {r["device_id"] for r in ingest.stored} == {"pi-proc"}
    assert Spool(tmp_path / "spool.db").status().relay_on is False


def test_run_simulate_with_a_broken_furnace_heats_without_warming(
    tmp_path: Path, ingest: IngestServer, processes: list[subprocess.Popen[bytes]]
) -> None:
    """`--broken-furnace` breaks the simulated furnace; the relay still goes on."""
    config = write_config(
        tmp_path, ingest.url, interval_seconds=0.05, min_cycle_seconds=0, setpoint_c=35
    )
    child = spawn(processes, "--config", str(config), "run", "--simulate", "--broken-furnace")
    wait_for(lambda: len(ingest.stored) >= 5, "5 readings stored", child)
    assert "simulated furnace is broken" in stop(child)
    assert sum(r["heating"] for r in ingest.stored) >= 4  # setpoint 35 C: the relay is on


def test_broken_furnace_without_simulate_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real relay cannot be broken by a flag: the option needs --simulate."""
    config = write_config(tmp_path, "http://127.0.0.1:9/")
    with pytest.raises(SystemExit) as exited:
        main(["--config", str(config), "run", "--broken-furnace"])
    assert exited.value.code == 2
    assert "--broken-furnace needs --simulate" in capsys.readouterr().err


def test_flush_exits_nonzero_when_readings_stay_queued(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`flush` against a closed port gives up after --max-failures and exits 1."""
    spool = Spool(tmp_path / "spool.db")
    for reading in make_readings(3):
        spool.append(reading)
    config = write_config(tmp_path, "http://127.0.0.1:9/")
    assert main(["--config", str(config), "flush", "--max-failures", "1"]) == 1
    assert "3 queued" in capsys.readouterr().out


def test_flush_sends_everything_and_exits_zero(
    tmp_path: Path, ingest: IngestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """`flush` with a working endpoint empties the spool and exits 0."""
    spool = Spool(tmp_path / "spool.db")
    readings = make_readings(5)
    for reading in readings:
        spool.append(reading)
    assert main(["--config", str(write_config(tmp_path, ingest.url)), "flush"]) == 0
    assert ingest.stored == [r.to_wire() for r in readings]
    assert "0 queued" in capsys.readouterr().out


def test_run_with_an_invalid_relay_pin_exits_1_and_names_the_pin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pin the board does not have is reported, not a traceback."""
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "mock")  # gpiozero's MockFactory
    config = write_config(tmp_path, "http://127.0.0.1:9/", relay_pin='"GPIO99"')
    assert main(["--config", str(config), "run"]) == 1
    assert "relay on pin 'GPIO99'" in capsys.readouterr().err


def test_run_reads_the_ds18b20_and_turns_the_heat_off_when_it_fails(
    tmp_path: Path, ingest: IngestServer, processes: list[subprocess.Popen[bytes]]
) -> None:
    """`run` (no --simulate) reads a fake 1-wire tree; a CRC failure stops readings, reported."""
    slave = write_sensor(tmp_path / "w1", "0316a2795aff", w1_slave_text(15.5))
    config = write_config(
        tmp_path,
        ingest.url,
        interval_seconds=0.02,
        min_cycle_seconds=0,
        w1_devices_dir=f'"{tmp_path / "w1"}"',
    )
    child = subprocess.Popen(
        [*CLI, "--config", str(config), "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "GPIOZERO_PIN_FACTORY": "mock"},  # gpiozero's MockFactory
    )
    processes.append(child)
    wait_for(lambda: len(ingest.stored) >= 2, "2 readings stored", child)
    assert {(r["temperature_c"], r["heating"]) for r in ingest.stored} == {(15.5, True)}

    slave.write_text(w1_slave_text(15.5, crc="NO"))
    spool = Spool(tmp_path / "spool.db")
    wait_for(lambda: "sensor:" in (spool.status().last_error or ""), "the sensor error", child)
    status = spool.status()
    assert "not yet ready" in (status.last_error or "")
    assert status.relay_on is False
    stop(child)


def test_the_client_imports_no_aws_sdk_and_no_server_package() -> None:
    """The Pi needs neither the AWS SDK nor the ingest function or data plane (tests use them)."""
    probe = "import sys, thermostat_pi.cli, thermostat_pi.uploader, thermostat_pi.status; "
    probe += "print(sorted(m for m in sys.modules if m.split('.')[0] in "
    probe += "('boto3', 'botocore', 'awslambdaric', 'thermostat_ingest', 'lambda_dataplane')))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
