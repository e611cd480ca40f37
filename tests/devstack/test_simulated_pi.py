"""The simulated Pi's files that ``make dev --fresh`` forgets."""

from pathlib import Path

from devstack.simulated_pi import forget_pi_state


def test_fresh_deletes_the_spool_its_side_files_and_the_kept_settings(tmp_path: Path) -> None:
    """--fresh leaves no spooled reading and no kept settings behind."""
    names = ["pi-spool.db", "pi-spool.db-wal", "pi-spool.db-shm", "pi-spool.settings.json"]
    for name in names:
        (tmp_path / name).write_text("kept", encoding="utf-8")
    (tmp_path / "pi.log").write_text("log", encoding="utf-8")

    removed = forget_pi_state(tmp_path)

    assert sorted(path.name for path in removed) == sorted(names)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["pi.log"]


def test_fresh_on_a_first_start_has_nothing_to_delete(tmp_path: Path) -> None:
    """A state folder without a spool is fine."""
    assert forget_pi_state(tmp_path) == []
