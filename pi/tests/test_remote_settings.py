"""Remote settings on the Pi: validated, kept atomically beside the spool, refused with a reason."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from thermostat.api import DeviceReportWire
from thermostat_pi.remote_settings import MAX_ERROR_CHARS, SOFTWARE, RemoteSettings

NOW = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


def settings(path: Path, **options: Any) -> RemoteSettings:
    return RemoteSettings(path, default_setpoint_c=19.0, now=lambda: NOW, **options)


def wire(version: int, **fields: Any) -> dict[str, Any]:
    """Settings as the ingest reply carries them."""
    return {"version": version, "setpoint_c": 20.0, "mode": "heat", **fields}


def test_without_settings_the_config_setpoint_rules_and_version_0_is_reported(
    tmp_path: Path,
) -> None:
    """Nothing saved yet: the config's setpoint, version 0, the software, no error."""
    remote = settings(tmp_path / "settings.json")
    assert remote.target_c(NOW) == 19.0
    assert remote.report() == {"settings_version": 0, "software": SOFTWARE}


def test_applied_settings_are_saved_and_in_force_after_a_restart(tmp_path: Path) -> None:
    """Offered settings are in force at once and still there for a new process."""
    path = tmp_path / "settings.json"
    settings(path).offer(wire(3, setpoint_c=22.5))
    again = RemoteSettings(path, default_setpoint_c=19.0)
    assert again.target_c(NOW) == 22.5
    assert again.report()["settings_version"] == 3
    assert json.loads(path.read_text())["applied_at"] == "2026-11-21T06:00:00.000Z"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]  # no temporary file left


@pytest.mark.parametrize(
    ("offered", "why"),
    [
        (wire(4, setpoint_c=50.0), "version 4 refused: setpoint_c: Input should be less than"),
        (wire(4, colour="red"), "version 4 refused: colour: unknown field"),
        (wire(4, mode="boost"), "version 4 refused: mode: Input should be 'heat', 'off' or"),
        (wire(4, timezone="Mars/Olympus"), "version 4 refused: timezone: unknown time zone"),
        (wire(4, schedule="mon 25:00=21"), "version 4 refused: schedule: '25:00=21': 25:00 is not"),
        (wire(2, setpoint_c=25.0), "version 2 refused: not newer than version 3 in force"),
        ({"setpoint_c": 25.0}, "without a version refused: version: Field required"),
    ],
)
def test_settings_that_cannot_be_applied_are_kept_out_and_reported(
    tmp_path: Path, offered: dict[str, Any], why: str
) -> None:
    """Invalid, unknown field, older: the settings in force stay (on disk too); the report
    names the version and why."""
    path = tmp_path / "settings.json"
    remote = settings(path)
    remote.offer(wire(3, setpoint_c=21.0))
    before = path.read_bytes()
    remote.offer(offered)
    assert remote.target_c(NOW) == 21.0
    assert path.read_bytes() == before
    report = remote.report()
    assert report["settings_version"] == 3
    assert report["settings_error"].startswith(why), report["settings_error"]
    DeviceReportWire.model_validate(report)  # what the ingest function accepts


def test_the_same_settings_again_change_nothing_and_are_no_error(tmp_path: Path) -> None:
    """A reply that repeats the version in force is neither applied again nor refused."""
    remote = settings(tmp_path / "settings.json")
    remote.offer(wire(3))
    remote.offer(wire(3))
    assert "settings_error" not in remote.report()


def test_newer_settings_clear_a_refusal(tmp_path: Path) -> None:
    """Once the owner fixes them, the error is no longer reported."""
    remote = settings(tmp_path / "settings.json")
    remote.offer(wire(1, colour="red"))
    remote.offer(wire(2, setpoint_c=23.0))
    assert remote.report() == {"settings_version": 2, "software": SOFTWARE}
    assert remote.target_c(NOW) == 23.0


def test_a_long_refusal_is_cut_to_what_the_report_may_carry(tmp_path: Path) -> None:
    """However long the reason, the report stays within the contract's 300 characters."""
    remote = settings(tmp_path / "settings.json")
    remote.offer(wire(5, schedule="mon " + "06:30=21x" * 100))
    error = remote.report()["settings_error"]
    assert len(error) == MAX_ERROR_CHARS and error.endswith("...")
    DeviceReportWire.model_validate(remote.report())


def test_a_refusal_is_logged_once_not_at_every_reply(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Every reply brings refused settings again; the log says so once."""
    remote = settings(tmp_path / "settings.json")
    for _ in range(3):
        remote.offer(wire(2, colour="red"))
    assert caplog.text.count("version 2 refused") == 1


def test_the_log_says_when_new_settings_are_applied(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """One line: the version and what the settings do."""
    caplog.set_level(logging.INFO, logger="thermostat_pi")
    settings(tmp_path / "settings.json").offer(wire(7, mode="away", away_setpoint_c=12.0))
    assert "settings version 7 applied: away (12 C)" in caplog.text


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x17\xa5garbage",
        b'{"settings": {"version": 2, "setpoint_c": 2',  # cut off by a power cut
        b'{"settings": {"version": 2, "colour": "red"}, "applied_at": "2026-11-21T06:00:00Z"}',
        b'{"settings": {"version": 2}}',
    ],
)
def test_a_damaged_settings_file_is_moved_aside_and_the_config_setpoint_used(
    tmp_path: Path, content: bytes
) -> None:
    """Never deleted: renamed with its contents; the config's setpoint until settings arrive;
    the fault noted for status; version 0 reported so the next reply brings them again."""
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    notes: list[tuple[str, str]] = []
    remote = settings(path, note=lambda kind, message: notes.append((kind, message)))
    assert remote.target_c(NOW) == 19.0
    assert remote.report()["settings_version"] == 0
    [moved] = tmp_path.glob("settings.json.corrupt-*")
    assert moved.read_bytes() == content
    assert not path.exists()
    [(kind, message)] = notes
    assert kind == "fault" and "is damaged" in message and moved.name in message


def test_settings_that_cannot_be_saved_still_apply_and_say_so(tmp_path: Path) -> None:
    """Heating comes first: a disk that refuses the file does not keep the settings out;
    a fault is noted and the report carries the applied version."""
    (tmp_path / "full").write_text("a file where the folder should be")
    notes: list[str] = []
    remote = settings(tmp_path / "full" / "settings.json", note=lambda _, m: notes.append(m))
    remote.offer(wire(2, setpoint_c=24.0))
    assert remote.target_c(NOW) == 24.0
    assert remote.report()["settings_version"] == 2
    assert remote.snapshot()["settings_unsaved"]
    assert "cannot be read" in notes[0]  # at start: Not a directory
    assert "settings version 2 applied but not saved" in notes[-1]


def test_flush_reports_the_saved_version_and_applies_or_moves_nothing(tmp_path: Path) -> None:
    """``apply=False``: the service's settings file is not touched by another process."""
    path = tmp_path / "settings.json"
    settings(path).offer(wire(2))
    before = path.read_bytes()
    reporter = settings(path, apply=False)
    reporter.offer(wire(3, setpoint_c=30.0))
    assert reporter.report()["settings_version"] == 2
    assert path.read_bytes() == before
    path.write_bytes(b"garbage")
    assert settings(path, apply=False).report()["settings_version"] == 0
    assert path.read_bytes() == b"garbage"  # left for the service to move aside


def test_the_reported_software_is_the_installed_version() -> None:
    """``thermostat-pi/<version>`` as the package is installed (no metadata read at start)."""
    assert version("thermostat-pi") == SOFTWARE.removeprefix("thermostat-pi/")
