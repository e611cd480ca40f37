"""The kept table's files: item encoding, snapshot plus journal, a line cut by SIGKILL."""

from __future__ import annotations

from pathlib import Path

from devstack.persistence import TableFiles, change_line, from_json, to_json

KEY = {"pk": {"S": "DEVICE#a"}, "sk": {"S": "STATUS"}}


def test_binary_and_nested_attributes_round_trip_through_json() -> None:
    """B and BS (bytes) become text and come back as the same bytes; the rest is unchanged."""
    item = {
        "b": {"B": b"\x00\xff"},
        "bs": {"BS": [b"x", b"\x01"]},
        "m": {"M": {"B": {"S": "a map key named B"}, "n": {"N": "1.5"}}},
        "l": {"L": [{"BOOL": True}, {"NULL": True}]},
    }
    assert from_json(to_json(item)) == item


def test_journal_changes_apply_over_the_snapshot_in_order(tmp_path: Path) -> None:
    """Puts replace, deletes remove; the journal wins over the snapshot."""
    files = TableFiles(tmp_path)
    other = {"pk": {"S": "DEVICE#a"}, "sk": {"S": "READING#1"}}
    files.write_snapshot({})
    files.snapshot.write_text(
        change_line(KEY, {**KEY, "t": {"N": "1"}}) + change_line(other, other)
    )
    files.journal.write_text(change_line(KEY, {**KEY, "t": {"N": "2"}}) + change_line(other, None))
    items, skipped = files.load()
    assert (list(items.values()), skipped) == ([{**KEY, "t": {"N": "2"}}], 0)


def test_a_line_cut_short_is_skipped_and_counted(tmp_path: Path) -> None:
    """The last journal line half-written by a SIGKILL does not stop the rest loading."""
    files = TableFiles(tmp_path)
    line = change_line(KEY, KEY)
    files.directory.mkdir(exist_ok=True)
    files.journal.write_text(line + line[: len(line) // 2])
    items, skipped = files.load()
    assert (len(items), skipped) == (1, 1)


def test_write_snapshot_keeps_the_items_and_empties_the_journal(tmp_path: Path) -> None:
    """A new snapshot holds what was loaded; the journal starts again empty."""
    files = TableFiles(tmp_path / "data")
    files.directory.mkdir()
    files.journal.write_text(change_line(KEY, KEY))
    items, _ = files.load()
    files.write_snapshot(items)
    assert files.journal.read_text() == ""
    assert files.load() == (items, 0)
