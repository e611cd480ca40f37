"""`thermostat-pi status` reads local files only: no keys, no network, no changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pi_cli import assert_shows, status, write_config
from pi_fakes import make_readings

from thermostat_pi.spool import Spool

NO_KEYS = (
    'device_id = "pi-status"\nspool_path = "spool.db"\n'
    'endpoints_file = "gone/endpoints.json"\n'  # make dev is down: no such file
    '[endpoint]\nauth = "AWS_IAM"\n'
)


def test_status_shows_queue_relay_last_upload_errors_and_dead_letters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What a person needs: queued, oldest, last upload, relay, last error, dead letters."""
    spool = Spool(tmp_path / "spool.db")
    ids = [spool.append(r) for r in make_readings(4)]
    spool.ack(ids[:1])
    spool.dead_letter({ids[1]: "recorded_at is in the future"})
    spool.record_relay(True)
    spool.record_error("network error: connection refused")
    spool.close()
    out = status(write_config(tmp_path, "http://127.0.0.1:9/"), capsys)
    assert_shows(
        out,
        "relay:                ON (heating)",
        "queued:               2 on disk",
        "oldest queued:        20",
        "last upload:          20",
        "dead letters:         1",
        "last error:           network error: connection refused",
        "recorded_at is in the future",
        "service:              not running",
    )


def test_status_needs_no_keys_and_no_reachable_endpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """AWS_IAM without keys and an endpoints_file that is gone: status still answers."""
    spool = Spool(tmp_path / "spool.db")
    spool.append(make_readings(1)[0])
    spool.close()
    config = tmp_path / "pi.toml"
    config.write_text(NO_KEYS)
    out = status(config, capsys)
    assert_shows(out, "queued:               1 on disk", "last upload:          never")


def test_status_before_the_first_run_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`status` without a spool file explains it instead of creating one."""
    out = status(write_config(tmp_path, "http://127.0.0.1:9/"), capsys)
    assert "has not run yet" in out
    assert not (tmp_path / "spool.db").exists()


def test_status_of_a_damaged_spool_says_so_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A spool that is not a database: reported unreadable, left as it is (the service moves it)."""
    garbage = b"not a database" * 50
    (tmp_path / "spool.db").write_bytes(garbage)
    out = status(write_config(tmp_path, "http://127.0.0.1:9/"), capsys)
    assert "spool:                UNREADABLE" in out
    assert (tmp_path / "spool.db").read_bytes() == garbage
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pi.toml", "spool.db"]


def test_status_shows_what_the_running_service_holds_in_memory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The live status file of a running, degraded service: fault, memory queue, notes."""
    live = {
        "pid": 1,  # alive: init
        "updated_at": "2026-11-21T06:00:00.000Z",
        "spool": "degraded",
        "fault": "spool /x/spool.db: cannot write: disk I/O error",
        "fault_since": "2026-11-21T05:00:00.000Z",
        "memory_queued": 42,
        "memory_dropped": 0,
        "relay_on": True,
        "relay_changed_at": "2026-11-21T05:59:00.000Z",
        "last_error": None,
        "notes": [
            {"kind": "clock_step", "message": "wall clock stepped back 3600.0 s", "at": "t"},
        ],
    }
    (tmp_path / "spool.status.json").write_text(json.dumps(live))
    out = status(write_config(tmp_path, "http://127.0.0.1:9/"), capsys)
    assert_shows(
        out,
        "service:              running, pid 1",
        "spool:                DEGRADED since 2026-11-21T05:00:00.000Z: spool /x",
        "queued:               42 in memory",
        "relay:                ON (heating)",
        "clock steps:          1\n  t wall clock stepped back 3600.0 s",
    )


def test_a_live_status_left_by_a_dead_service_is_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A status file whose process is gone (SIGKILL) does not claim the service runs."""
    (tmp_path / "spool.status.json").write_text(
        json.dumps({"pid": 2**22 + 12345, "spool": "degraded"})
    )
    assert "service:              not running" in status(
        write_config(tmp_path, "http://127.0.0.1:9/"), capsys
    )
