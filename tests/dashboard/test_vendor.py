"""The vendored chart library: the committed files are the ones the manifest pins."""

from __future__ import annotations

import shutil
from pathlib import Path

from thermostat_cli.dashboard import vendor


def test_vendored_files_match_their_manifest() -> None:
    """Each file under static/vendor/uplot has the sha256 that SOURCE.json records."""
    assert vendor.check() == []


def test_a_changed_vendored_file_is_reported(tmp_path: Path) -> None:
    """An edited copy of the library fails the check, naming the file."""
    copy = tmp_path / "uplot"
    shutil.copytree(vendor.VENDOR_DIR, copy)
    (copy / "uPlot.min.css").write_text("/* edited */", encoding="utf-8")
    (copy / "LICENSE").unlink()
    problems = vendor.check(copy)
    assert len(problems) == 2
    assert problems[0].startswith("uPlot.min.css: sha256 ")
    assert problems[1] == "LICENSE: missing"


def test_the_licence_ships_with_the_library() -> None:
    """uPlot's MIT licence is served beside it."""
    assert "MIT License" in (vendor.VENDOR_DIR / "LICENSE").read_text(encoding="utf-8")
