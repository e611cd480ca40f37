"""The device settings in force, kept in a small JSON file beside the spool.

``{"settings": {...DeviceSettings...}, "applied_at": "2026-11-21T06:00:00.412Z"}``

Written atomically (a temporary file in the same folder, fsynced, renamed over the old one,
then the folder fsynced), so a power cut leaves either the old file or the new one, never
half of either. A file that cannot be read as settings is damaged: the service moves it
aside (never deletes it) and runs on the config's setpoint until new settings arrive.
"""

from __future__ import annotations

import json
import os
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from thermostat.contract import format_timestamp, parse_timestamp
from thermostat.device_settings import DeviceSettings
from thermostat_pi.errors import SettingsFileDamaged
from thermostat_pi.spool_recovery import move_aside


@dataclass(frozen=True)
class SavedSettings:
    """Settings the device applied, and when it first applied them."""

    settings: DeviceSettings
    applied_at: datetime

    def document(self) -> dict[str, Any]:
        return {
            "settings": self.settings.model_dump(mode="json"),
            "applied_at": format_timestamp(self.applied_at),
        }

    @classmethod
    def from_document(cls, document: Any) -> SavedSettings:
        """Raises ValueError (pydantic's ValidationError is one) or KeyError/TypeError."""
        if not isinstance(document, dict):
            raise TypeError(f"a JSON object was expected, not {type(document).__name__}")
        settings = DeviceSettings.model_validate(document["settings"])
        return cls(settings, parse_timestamp(document["applied_at"]))


def read_settings(path: Path) -> SavedSettings | None:
    """The saved settings; None if there is no file yet.

    Raises :class:`SettingsFileDamaged` if the file is not settings (truncated, garbage, or
    settings this version cannot apply), OSError if it cannot be read at all.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return SavedSettings.from_document(json.loads(data))
    except (ValueError, KeyError, TypeError, RecursionError) as err:
        why = f"missing {err}" if isinstance(err, KeyError) else str(err).splitlines()[0]
        raise SettingsFileDamaged(f"settings file {path} is damaged: {why}") from err


def write_settings(path: Path, saved: SavedSettings) -> None:
    """Replace the file atomically and durably; raises OSError (nothing half-written)."""
    data = (json.dumps(saved.document(), indent=1) + "\n").encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        tmp.replace(path)
    except OSError:
        with suppress(OSError):
            tmp.unlink()
        raise
    # The rename itself must survive a power cut: fsync the folder that holds the name.
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def set_aside(path: Path) -> Path:
    """Move a damaged settings file out of the way (kept for a person to look at)."""
    return move_aside(path)
