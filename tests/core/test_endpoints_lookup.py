"""Finding the running local stack's endpoints file: make dev's, else make up's."""

from __future__ import annotations

from pathlib import Path

from thermostat.endpoints import COMPOSE_FILE, DEVSTACK_FILE, find_local_stack


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}", encoding="utf-8")
    return path


def test_make_dev_file_is_found_from_a_subfolder(tmp_path: Path) -> None:
    """.devstack/endpoints.json in a parent folder is found."""
    found = touch(tmp_path / DEVSTACK_FILE)
    assert find_local_stack(tmp_path / "src" / "cli") == found


def test_compose_file_is_found_when_there_is_no_make_dev_file(tmp_path: Path) -> None:
    """Without .devstack, make up's .localstack/endpoints.json is the stack."""
    found = touch(tmp_path / COMPOSE_FILE)
    assert find_local_stack(tmp_path / "docs") == found


def test_make_dev_file_wins_even_when_the_compose_file_is_nearer(tmp_path: Path) -> None:
    """Any .devstack file up the tree comes before any .localstack file."""
    devstack = touch(tmp_path / DEVSTACK_FILE)
    touch(tmp_path / "sub" / COMPOSE_FILE)
    assert find_local_stack(tmp_path / "sub") == devstack


def test_no_stack_file_anywhere_is_none(tmp_path: Path) -> None:
    """No endpoints file in the folder or its parents: None."""
    (tmp_path / COMPOSE_FILE).parent.mkdir()  # a folder without the file does not count
    assert find_local_stack(tmp_path) is None
