"""Heating comes first: the real `thermostat-pi run` keeps going whatever the disk does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from ingest_fake import IngestServer
from pi_cli import CLI, assert_shows, spawn, status, stop, wait_for, write_config
from pi_fakes import w1_slave_text, write_sensor

from thermostat_pi.spool import Spool

FAST = {"interval_seconds": 0.05, "min_cycle_seconds": 0, "spool_retry_seconds": 0.2}
MOCK_GPIO = {**os.environ, "GPIOZERO_PIN_FACTORY": "mock"}  # gpiozero's MockFactory
# Runs the command with file writes capped at 3000 bytes: less than one SQLite page, so the
# spool cannot be written at all, as on a full disk. SIGXFSZ ignored: writes fail with EFBIG.
FULL_DISK = (
    "import os, resource, signal, sys;"
    "resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000));"
    "signal.signal(signal.SIGXFSZ, signal.SIG_IGN);"
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


def sensor_config(tmp_path: Path, url: str, **extra: object) -> Path:
    """`run` on a fake 1-wire tree at 15.5 C (below the 20 C setpoint: it heats)."""
    write_sensor(tmp_path / "w1", "0316a2795aff", w1_slave_text(15.5))
    return write_config(tmp_path, url, w1_devices_dir=f'"{tmp_path / "w1"}"', **FAST, **extra)


def test_run_with_a_damaged_spool_moves_it_aside_and_keeps_heating(
    tmp_path: Path, ingest: IngestServer, processes: list[subprocess.Popen[bytes]]
) -> None:
    """A spool file that is not a database: kept aside, a new spool, heating readings sent."""
    garbage = b"SQLite format 2\x00" + b"\xff" * 5000
    (tmp_path / "spool.db").write_bytes(garbage)
    config = sensor_config(tmp_path, ingest.url)
    child = spawn(processes, "--config", str(config), "run", log=tmp_path / "err", env=MOCK_GPIO)
    wait_for(lambda: len(ingest.stored) >= 3, "readings at the server", child)
    assert child.poll() is None
    assert {(r["temperature_c"], r["heating"]) for r in ingest.stored} == {(15.5, True)}
    [moved] = [p for p in tmp_path.glob("spool.db.corrupt-*") if p.suffix != ".db-wal"]
    assert moved.read_bytes() == garbage
    stop(child)
    assert "damaged spool moved to" in Spool(tmp_path / "spool.db").status().faults[0]


def test_run_keeps_heating_while_the_spool_folder_is_unusable_and_recovers(
    tmp_path: Path,
    ingest: IngestServer,
    processes: list[subprocess.Popen[bytes]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The spool's folder is a file: readings wait in memory and are sent; then it is fixed."""
    blocker = tmp_path / "state"
    blocker.write_text("a file where a folder should be")
    config = sensor_config(
        tmp_path,
        ingest.url,
        spool_path=f'"{blocker / "spool.db"}"',
        status_file=f'"{tmp_path / "live.json"}"',
    )
    child = spawn(processes, "--config", str(config), "run", log=tmp_path / "err", env=MOCK_GPIO)
    wait_for(lambda: len(ingest.stored) >= 3, "readings sent from memory", child)
    assert child.poll() is None
    wait_for(lambda: (tmp_path / "live.json").exists(), "the live status")
    out = status(config, capsys)
    assert_shows(
        out,
        "service:              running",
        "spool:                DEGRADED since",
        "relay:                ON (heating)",
        "spool unusable",  # under faults
    )

    blocker.unlink()  # the folder can be made again
    wait_for(lambda: "spool:                ok" in status(config, capsys), "the spool back")
    assert "spool unusable, readings kept in memory" in stop(child, tmp_path / "err")
    faults = Spool(blocker / "spool.db").status().faults
    assert any("spool unusable" in fault for fault in faults)
    recorded = [r["recorded_at"] for r in ingest.stored]
    assert recorded == sorted(set(recorded))  # nothing twice, in order


def test_run_on_a_full_disk_keeps_heating_and_sends_from_memory(
    tmp_path: Path,
    ingest: IngestServer,
    processes: list[subprocess.Popen[bytes]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No byte of the spool can be written (file size limit): the service runs on memory."""
    config = sensor_config(tmp_path, ingest.url)
    child = subprocess.Popen(
        [sys.executable, "-c", FULL_DISK, *CLI[1:], "--config", str(config), "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=MOCK_GPIO,
    )
    processes.append(child)
    wait_for(lambda: len(ingest.stored) >= 3, "readings sent from memory", child)
    assert child.poll() is None
    assert {(r["temperature_c"], r["heating"]) for r in ingest.stored} == {(15.5, True)}
    out = status(config, capsys)
    assert "spool:                DEGRADED since" in out
    assert "spool unusable, readings kept in memory" in stop(child)
