"""The SQLite spool: durable, ordered, bounded, with dead letters and status counters."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pi_fakes import damage, make_readings

from thermostat_pi.errors import SpoolCorrupt, SpoolError
from thermostat_pi.spool import Spool


def test_readings_come_back_oldest_first(tmp_path: Path) -> None:
    """peek returns readings in the order they were appended, as wire dicts."""
    spool = Spool(tmp_path / "spool.db")
    readings = make_readings(5)
    for reading in readings:
        spool.append(reading)
    assert [s.body for s in spool.peek(10)] == [r.to_wire() for r in readings]


def test_readings_survive_reopening(tmp_path: Path) -> None:
    """A committed reading is there after the process closes and reopens the file."""
    Spool(tmp_path / "spool.db").append(make_readings(1)[0])
    assert Spool(tmp_path / "spool.db").status().depth == 1


def test_wal_and_full_sync_are_in_force(tmp_path: Path) -> None:
    """The file is in WAL mode and commits are fsynced (synchronous=FULL is 2)."""
    spool = Spool(tmp_path / "spool.db")
    assert spool._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert spool._db.execute("PRAGMA synchronous").fetchone()[0] == 2


def test_ack_deletes_and_records_time(tmp_path: Path) -> None:
    """Acked readings leave the queue; the ack time and count show in status."""
    spool = Spool(tmp_path / "spool.db")
    for reading in make_readings(3):
        spool.append(reading)
    spool.ack(s.id for s in spool.peek(2))
    status = spool.status()
    assert (status.depth, status.acked) == (1, 2)
    assert status.last_ack_at is not None


def test_full_spool_drops_oldest_and_counts(tmp_path: Path) -> None:
    """Past max_rows the oldest readings go and `dropped` counts them."""
    spool = Spool(tmp_path / "spool.db", max_rows=3)
    readings = make_readings(5)
    for reading in readings:
        spool.append(reading)
    assert [s.body for s in spool.peek(10)] == [r.to_wire() for r in readings[2:]]
    assert spool.status().dropped == 2


def test_dead_letter_keeps_reading_and_reason(tmp_path: Path) -> None:
    """A dead-lettered reading leaves the queue with the server's reason attached."""
    spool = Spool(tmp_path / "spool.db")
    reading = make_readings(1)[0]
    reading_id = spool.append(reading)
    spool.dead_letter({reading_id: "recorded_at is in the future"})
    [letter] = spool.dead_letters()
    assert (letter.body, letter.reason) == (reading.to_wire(), "recorded_at is in the future")
    assert (spool.status().depth, spool.status().dead_lettered) == (0, 1)


def test_relay_state_is_recorded_for_status(tmp_path: Path) -> None:
    """record_relay is visible to another connection's status()."""
    Spool(tmp_path / "spool.db").record_relay(True)
    status = Spool(tmp_path / "spool.db").status()
    assert status.relay_on is True and status.relay_changed_at is not None


def test_unopenable_spool_raises_spool_error(tmp_path: Path) -> None:
    """A spool path that is not a database raises SpoolError naming the file."""
    bad = tmp_path / "spool.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(SpoolError, match=r"spool\.db"):
        Spool(bad)


def test_spool_file_is_intact_sqlite(tmp_path: Path) -> None:
    """After appends and acks the file passes SQLite's integrity check."""
    spool = Spool(tmp_path / "spool.db")
    for reading in make_readings(50):
        spool.append(reading)
    spool.ack(s.id for s in spool.peek(20))
    spool.close()
    with sqlite3.connect(tmp_path / "spool.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_row_that_is_not_json_is_returned_as_written(tmp_path: Path) -> None:
    """peek never parses: a damaged row comes back as its text, for the uploader to judge."""
    spool = Spool(tmp_path / "spool.db")
    spool.append_texts(["{broken"])
    [row] = spool.peek(1)
    assert (row.text, row.body) == ("{broken", None)


def test_read_only_open_changes_nothing(tmp_path: Path) -> None:
    """A read-only spool (the status command) creates no -wal or -shm file and writes nothing."""
    spool = Spool(tmp_path / "spool.db")
    spool.append(make_readings(1)[0])
    spool.close()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    reader = Spool(tmp_path / "spool.db", read_only=True)
    assert reader.status().depth == 1
    reader.close()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_read_only_open_of_a_missing_spool_creates_none(tmp_path: Path) -> None:
    """Opening a spool that does not exist read-only fails and leaves no file behind."""
    with pytest.raises(SpoolError):
        Spool(tmp_path / "spool.db", read_only=True)
    assert list(tmp_path.iterdir()) == []


def test_damaged_pages_are_found_at_open(tmp_path: Path) -> None:
    """A file whose pages were overwritten fails quick_check at open: SpoolCorrupt."""
    damage(tmp_path / "spool.db")
    with pytest.raises(SpoolCorrupt, match="damaged"):
        Spool(tmp_path / "spool.db")


def test_notes_keep_the_last_few_and_count_all(tmp_path: Path) -> None:
    """Faults and clock steps: the last 10 kept for status, every one counted."""
    spool = Spool(tmp_path / "spool.db")
    for i in range(12):
        spool.note("clock_step", f"step {i}")
    status = spool.status()
    assert status.clock_step_count == 12
    assert [note.split(" ", 1)[1] for note in status.clock_steps] == [
        f"step {i}" for i in range(2, 12)
    ]
