"""The device settings in force: the config's setpoint until the owner sends settings.

The owner changes them from anywhere (``thermostat set``); the ingest function hands a newer
version to the Pi in the reply to an upload, so no port is opened at home. The upload thread
:meth:`~RemoteSettings.offer`\\ s them; valid, newer ones are saved (``settings_file``) and are
in force from the next control decision, which asks :meth:`~RemoteSettings.target_c` each
tick (the schedule runs here, offline too). Settings this software cannot apply (invalid,
an unknown field, not newer) are kept out, and the reason goes back with every batch in the
device report until newer settings replace them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from thermostat.device_settings import DeviceSettings
from thermostat_pi import __version__
from thermostat_pi.errors import SettingsFileDamaged
from thermostat_pi.settings_file import SavedSettings, read_settings, set_aside, write_settings

log = logging.getLogger(__name__)
SOFTWARE = f"thermostat-pi/{__version__}"
# thermostat.api.DeviceReportWire's limit: a longer report would refuse the whole batch.
MAX_ERROR_CHARS = 300


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _problems(err: ValidationError) -> str:
    parts = []
    for item in err.errors(include_url=False, include_input=False, include_context=False):
        loc = ".".join(str(part) for part in item["loc"]) or "(settings)"
        if item["type"] == "extra_forbidden":
            msg = "unknown field (this software does not know it)"
        else:
            msg = item["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts)


def _cut(message: str) -> str:
    return message if len(message) <= MAX_ERROR_CHARS else message[: MAX_ERROR_CHARS - 3] + "..."


class RemoteSettings:
    """Thread-safe: the upload thread offers settings, the control loop asks for targets.

    ``apply=False`` (``flush``): report the saved version, apply nothing and move nothing;
    the running service takes new settings with its own next upload.
    ``note(kind, message)``: where faults go for ``status`` (``Outbox.note``).
    """

    def __init__(
        self,
        path: Path,
        *,
        default_setpoint_c: float,
        apply: bool = True,
        note: Callable[[str, str], None] | None = None,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.path = path
        self.default_setpoint_c = default_setpoint_c
        self._apply = apply
        self._note = note
        self._now = now
        self._lock = threading.Lock()
        self.error: str | None = None  # why the newest settings offered were refused
        self.unsaved: str | None = None  # why the settings in force are not on disk
        self._saved = self._load()

    def _fault(self, message: str) -> None:
        log.error("%s", message)
        if self._note is not None:
            self._note("fault", message)

    def _load(self) -> SavedSettings | None:
        fallback = f"setpoint_c {self.default_setpoint_c:g} C from the config until new ones arrive"
        try:
            saved = read_settings(self.path)
        except SettingsFileDamaged as err:
            if not self._apply:
                log.warning("%s", err)
                return None
            try:
                moved = set_aside(self.path)
            except OSError as move_err:
                self._fault(f"{err}; cannot move it aside ({move_err}); {fallback}")
            else:
                self._fault(f"{err}; moved to {moved.name}; {fallback}")
            return None
        except OSError as err:
            self._fault(f"settings file {self.path} cannot be read ({err}); {fallback}")
            return None
        if saved is not None and self._apply:
            log.info(
                "settings version %d in force (applied %s): %s",
                saved.settings.version,
                saved.document()["applied_at"],
                saved.settings.describe(),
            )
        return saved

    @property
    def saved(self) -> SavedSettings | None:
        with self._lock:
            return self._saved

    @property
    def version(self) -> int:
        """The version in force; 0 before any settings arrived."""
        saved = self.saved
        return 0 if saved is None else saved.settings.version

    def target_c(self, now: datetime) -> float | None:
        """The setpoint at ``now``; None when the heat must stay off (mode off)."""
        saved = self.saved
        return self.default_setpoint_c if saved is None else saved.settings.target_c(now)

    def report(self) -> dict[str, Any]:
        """What the device says about itself with every batch (``DeviceReportWire``)."""
        with self._lock:
            version = 0 if self._saved is None else self._saved.settings.version
            error = self.error
        report: dict[str, Any] = {"settings_version": version, "software": SOFTWARE}
        if error is not None:
            report["settings_error"] = error
        return report

    def snapshot(self) -> dict[str, Any]:
        """For the live status file: what is in force, refused or not saved."""
        with self._lock:
            saved, error, unsaved = self._saved, self.error, self.unsaved
        return {
            "settings": None if saved is None else saved.document(),
            "settings_error": error,
            "settings_unsaved": unsaved,
        }

    def _refuse(self, message: str) -> None:
        message = _cut(message)
        with self._lock:
            repeated, self.error = self.error == message, message
        if not repeated:  # every reply brings them again until the owner changes them
            log.error("settings %s; the settings in force stay", message)

    def offer(self, raw: dict[str, Any]) -> None:
        """Settings from a reply: apply and keep them, or refuse them and say why."""
        version = raw.get("version")
        label = f"version {version}" if type(version) is int else "without a version"
        if not self._apply:
            log.info("settings %s arrived; the service applies them at its next upload", label)
            return
        try:
            settings = DeviceSettings.model_validate(raw)
        except ValidationError as err:
            self._refuse(f"{label} refused: {_problems(err)}")
            return
        current = self.saved
        if current is not None and settings.version <= current.settings.version:
            if settings != current.settings:
                in_force = current.settings.version
                self._refuse(f"{label} refused: not newer than version {in_force} in force")
            return
        saved = SavedSettings(settings, self._now())
        unsaved = None
        try:
            write_settings(self.path, saved)
        except OSError as err:
            # Heating comes first: apply them anyway. After a restart the device reports the
            # version on disk, and the next reply brings these again.
            unsaved = f"{self.path}: {err}"
            self._fault(f"settings version {settings.version} applied but not saved ({unsaved})")
        with self._lock:
            self._saved, self.error, self.unsaved = saved, None, unsaved
        log.info("settings version %d applied: %s", settings.version, settings.describe())
