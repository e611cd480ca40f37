"""The outbox never fails the control loop: a damaged, unusable or failing spool -> memory."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from pi_fakes import FakeClock, damage, make_readings

from thermostat_pi.outbox import Outbox
from thermostat_pi.spool import Spool


def moved_aside(folder: Path) -> list[Path]:
    """The damaged spool files moved aside (without their -wal and -shm companions)."""
    found = folder.glob("spool.db.corrupt-*")
    return [p for p in found if not p.name.endswith(("-wal", "-shm"))]


def test_a_file_that_is_not_a_database_is_moved_aside_and_a_new_spool_started(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Garbage in spool.db: kept byte for byte under another name, a new spool works."""
    garbage = b"this is not sqlite" * 100
    (tmp_path / "spool.db").write_bytes(garbage)
    outbox = Outbox(tmp_path / "spool.db")
    assert not outbox.degraded
    [moved] = moved_aside(tmp_path)
    assert moved.read_bytes() == garbage
    reading = make_readings(1)[0]
    outbox.append(reading)
    assert [row.body for row in outbox.peek(10)] == [reading.to_wire()]
    outbox.close()
    status = Spool(tmp_path / "spool.db").status()
    assert "damaged spool moved to spool.db.corrupt-" in status.faults[0]
    assert "moving it aside" in caplog.text


def test_readable_rows_of_a_damaged_spool_are_rescued(tmp_path: Path) -> None:
    """Pages overwritten: the file is moved aside, the rows still readable are queued again."""
    texts = damage(tmp_path / "spool.db")
    original = (tmp_path / "spool.db").read_bytes()
    outbox = Outbox(tmp_path / "spool.db")
    [moved] = moved_aside(tmp_path)
    assert moved.read_bytes() == original
    rescued = [row.text for row in outbox.peek(1000)]
    assert 0 < len(rescued) < len(texts)
    assert rescued == texts[: len(rescued)]


def test_an_unusable_directory_keeps_readings_in_memory_until_it_works(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The spool's folder cannot exist (a file is in the way): memory, retried, then written."""
    blocker = tmp_path / "state"
    blocker.write_text("a file where the spool's folder should be")
    clock = FakeClock()
    with caplog.at_level(logging.ERROR):
        outbox = Outbox(blocker / "spool.db", retry_s=60, monotonic=clock)
    assert outbox.degraded
    assert "spool unusable, readings kept in memory" in caplog.text
    readings = make_readings(5)
    for reading in readings[:3]:
        outbox.append(reading)
    held = outbox.peek(10)
    assert [row.body for row in held] == [r.to_wire() for r in readings[:3]]
    assert all(row.id < 0 for row in held)
    outbox.ack([held[0].id])  # sent from memory
    outbox.dead_letter({held[1].id: "refused"})

    blocker.unlink()  # the card is usable again
    outbox.append(readings[3])
    assert outbox.degraded  # not retried before retry_s
    clock.advance(60)
    outbox.append(readings[4])
    assert not outbox.degraded
    outbox.close()

    spool = Spool(blocker / "spool.db")
    assert [row.body for row in spool.peek(10)] == [r.to_wire() for r in readings[2:]]
    assert [letter.body for letter in spool.dead_letters()] == [readings[1].to_wire()]
    status = spool.status()
    assert status.acked == 1
    assert any("spool unusable" in fault for fault in status.faults)


def test_a_spool_that_fails_while_running_degrades_and_comes_back(tmp_path: Path) -> None:
    """An error from SQLite mid-run sends readings to memory; the retry reopens and flushes."""
    clock = FakeClock()
    outbox = Outbox(tmp_path / "spool.db", retry_s=30, monotonic=clock)
    readings = make_readings(3)
    outbox.append(readings[0])
    outbox._spool._db.close()  # type: ignore[union-attr]  # every later call now fails
    outbox.append(readings[1])
    assert outbox.degraded
    assert outbox.snapshot()["memory_queued"] == 1
    clock.advance(30)
    outbox.append(readings[2])
    assert not outbox.degraded
    assert [row.body for row in outbox.peek(10)] == [r.to_wire() for r in readings]


def test_the_memory_buffer_is_bounded_and_counts_what_it_drops(tmp_path: Path) -> None:
    """Past memory_rows the oldest readings in memory go, and the drop is reported."""
    blocker = tmp_path / "state"
    blocker.write_text("x")
    outbox = Outbox(blocker / "spool.db", memory_rows=3, monotonic=FakeClock())
    readings = make_readings(5)
    for reading in readings:
        outbox.append(reading)
    assert [row.body for row in outbox.peek(10)] == [r.to_wire() for r in readings[2:]]
    snapshot = outbox.snapshot()
    assert (snapshot["memory_queued"], snapshot["memory_dropped"]) == (3, 2)
    assert snapshot["spool"] == "degraded"
    assert "File exists" in snapshot["fault"]  # what mkdir says about the file in the way


def test_notes_made_while_degraded_reach_the_spool(tmp_path: Path) -> None:
    """A clock step noted while the spool is down is written once it is back."""
    blocker = tmp_path / "state"
    blocker.write_text("x")
    clock = FakeClock()
    outbox = Outbox(blocker / "spool.db", monotonic=clock)
    outbox.note("clock_step", "wall clock stepped back 3600.0 s")
    assert [n["kind"] for n in outbox.snapshot()["notes"]] == ["fault", "clock_step"]
    blocker.unlink()
    clock.advance(3600)
    outbox.maintain()
    outbox.close()
    status = Spool(blocker / "spool.db").status()
    assert status.clock_step_count == 1
    assert status.clock_steps[0].endswith("wall clock stepped back 3600.0 s")
    assert json.dumps(status.faults)  # the fault is on record too


def test_a_send_that_gets_through_clears_the_last_error(tmp_path: Path) -> None:
    """The live view forgets the last send error once a reading is acknowledged, as the spool."""
    blocker = tmp_path / "state"
    blocker.write_text("x")
    outbox = Outbox(blocker / "spool.db", monotonic=FakeClock())
    outbox.append(make_readings(1)[0])
    outbox.record_error("network error: connection refused")
    assert "connection refused" in outbox.snapshot()["last_error"]
    outbox.ack([row.id for row in outbox.peek(1)])
    assert outbox.snapshot()["last_error"] is None
