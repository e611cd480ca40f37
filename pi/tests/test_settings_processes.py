"""The real `thermostat-pi` process with remote settings: applied, kept across a restart,
run offline, shown by `status`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from ingest_fake import IngestServer
from pi_cli import assert_shows, spawn, status, stop, wait_for, write_config

from thermostat_pi.config import load_config
from thermostat_pi.live_status import LiveStatus
from thermostat_pi.remote_settings import RemoteSettings
from thermostat_pi.spool import Spool

DEVICE = "pi-proc"  # pi_cli.write_config's


def queued_setpoints(spool_path: Path) -> list[float]:
    spool = Spool(spool_path, read_only=True)
    try:
        return [json.loads(row.text)["setpoint_c"] for row in spool.peek(100_000)]
    finally:
        spool.close()


def test_settings_are_applied_kept_across_a_restart_and_run_offline(
    tmp_path: Path,
    ingest: IngestServer,
    processes: list[subprocess.Popen[bytes]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`thermostat set --setpoint 30` reaches the running Pi (the log says so, readings
    record 30 C); after a restart with no network the Pi still heats to 30 C, and `status`
    shows version 1 and when it was applied."""
    options = {"interval_seconds": 0.05, "min_cycle_seconds": 0}
    config = write_config(tmp_path, ingest.url, **options)
    ingest.desire(DEVICE, setpoint_c=30.0)
    log = tmp_path / "pi.log"
    child = spawn(processes, "--config", str(config), "run", "--simulate", log=log)
    wait_for(lambda: any(r["setpoint_c"] == 30.0 for r in ingest.stored), "30 C stored", child)
    first = stop(child, log)
    assert "settings version 1 applied: heat to 30 C" in first
    assert ingest.stored[0]["setpoint_c"] == 20.0  # the config's, before any reply
    assert {r.settings_version for r in ingest.reports if r} == {0, 1}

    offline = write_config(tmp_path, "http://127.0.0.1:9/", **options)
    before = len(queued_setpoints(tmp_path / "spool.db"))
    child = spawn(processes, "--config", str(offline), "run", "--simulate", log=log)
    wait_for(lambda: len(queued_setpoints(tmp_path / "spool.db")) > before + 3, "readings", child)
    out = status(offline, capsys)
    second = stop(child, log).removeprefix(first)
    assert set(queued_setpoints(tmp_path / "spool.db")[before:]) == {30.0}
    assert "settings version 1 in force (applied 20" in second
    assert_shows(
        out,
        "service:              running",
        "settings:             version 1, applied 20",
        "                      heat to 30 C",
        "setpoint now:         30 C",
    )


def test_status_shows_the_config_setpoint_before_any_settings(
    tmp_path: Path, ingest: IngestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """No settings yet: status says so and names the setpoint in force (the config's)."""
    out = status(write_config(tmp_path, ingest.url, setpoint_c=19.5), capsys)
    assert_shows(
        out,
        "settings:             none received: setpoint_c from the config",
        "setpoint now:         19.5 C",
    )


def test_status_shows_a_damaged_settings_file_without_moving_it(
    tmp_path: Path, ingest: IngestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """status changes nothing: a damaged file is named; the service moves it aside."""
    config = write_config(tmp_path, ingest.url)
    (tmp_path / "spool.settings.json").write_text("{")
    out = status(config, capsys)
    assert "settings file:        DAMAGED: settings file " in out
    assert (tmp_path / "spool.settings.json").read_text() == "{"


def test_status_shows_what_the_running_service_refused_and_could_not_save(
    tmp_path: Path, ingest: IngestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """What only the running service knows (from its live status): the refusal and the
    reason its settings are not on disk; mode off is said plainly."""
    config = write_config(tmp_path, ingest.url)
    loaded = load_config(config)
    (tmp_path / "blocked").write_text("not a folder")
    remote = RemoteSettings(tmp_path / "blocked" / "s.json", default_setpoint_c=20.0)
    remote.offer({"version": 3, "mode": "off"})
    remote.offer({"version": 4, "mode": "sleep"})
    LiveStatus(loaded.status_file).write(remote.snapshot())  # this process is the "service"
    out = status(config, capsys)
    assert_shows(
        out,
        "settings:             version 3, applied 20",
        "                      off",
        "setpoint now:         none: the heat stays off (mode off)",
        "settings refused:     version 4 refused: mode: Input should be",
        "settings not saved:   " in out and "File exists",  # blocked is a file
    )
