"""``thermostat-pi status``: what the spool and the running service say, from local files only.

It needs no keys and no network, opens the spool read-only (it may run as another user, or
while the card is read-only) and never creates one. The spool tells what lasts; the live
status file (on a RAM disk) tells what only the running service knows, such as readings
held in memory while the spool is degraded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from thermostat_pi.config import Config
from thermostat_pi.errors import SettingsFileDamaged, SpoolError
from thermostat_pi.live_status import read_live_status
from thermostat_pi.settings_file import SavedSettings, read_settings
from thermostat_pi.spool import Spool, SpoolStatus

RELAY = {None: "unknown", True: "ON (heating)", False: "off"}


def _line(label: str, value: object) -> str:
    """``label:`` and the value in the value column; no label: a continuation line."""
    return f"{label + ':' if label else '':<22}{value}"


def _spool_lines(spooled: SpoolStatus | None, live: dict[str, Any] | None) -> list[str]:
    memory = int(live.get("memory_queued", 0)) if live else 0
    if spooled is None:
        return [_line("queued", f"{memory} in memory")] if live else []
    queued = f"{spooled.depth} on disk" + (f" + {memory} in memory" if memory else "")
    return [
        _line("queued", queued),
        _line("oldest queued", spooled.oldest_spooled_at or "-"),
        _line("last upload", spooled.last_ack_at or "never"),
        _line("sent", spooled.acked),
        _line("dropped (spool full)", spooled.dropped),
        _line("dead letters", spooled.dead_lettered),
    ]


def _settings_lines(config: Config, live: dict[str, Any] | None, now: datetime) -> list[str]:
    """The settings in force: the running service's own view, else the saved file."""
    problems: list[str] = []
    saved: SavedSettings | None = None
    if live is not None and "settings" in live:
        document = live["settings"]
        try:
            saved = None if document is None else SavedSettings.from_document(document)
        except (ValueError, KeyError, TypeError):
            problems.append(_line("settings", "the live status holds no readable settings"))
        if live.get("settings_unsaved"):
            problems.append(_line("settings not saved", live["settings_unsaved"]))
        if live.get("settings_error"):
            problems.append(_line("settings refused", live["settings_error"]))
    else:
        try:
            saved = read_settings(config.settings_path)
        except SettingsFileDamaged as err:
            problems.append(_line("settings file", f"DAMAGED: {err}"))
        except OSError as err:
            problems.append(_line("settings file", f"UNREADABLE: {err}"))
    if saved is None:
        lines = [_line("settings", "none received: setpoint_c from the config")]
        target: float | None = config.setpoint_c
    else:
        applied = saved.document()["applied_at"]
        lines = [
            _line("settings", f"version {saved.settings.version}, applied {applied}"),
            _line("", saved.settings.describe()),
        ]
        target = saved.settings.target_c(now)
    say = "none: the heat stays off (mode off)" if target is None else f"{target:g} C"
    return [*lines, _line("setpoint now", say), *problems]


def report(config: Config, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> list[str]:
    """The lines `thermostat-pi status` prints."""
    live = read_live_status(config.status_file)
    lines = [_line("device", config.device_id)]
    if live is None:
        lines.append(_line("service", f"not running (no live status in {config.status_file})"))
    else:
        lines.append(_line("service", f"running, pid {live['pid']}, at {live.get('updated_at')}"))
    spooled: SpoolStatus | None = None
    dead: list[str] = []
    if not config.spool_path.exists():
        lines.append(_line("spool", f"none at {config.spool_path}: the service has not run yet"))
    else:
        try:
            spool = Spool(config.spool_path, read_only=True)
            try:
                spooled = spool.status()
                for letter in spool.dead_letters()[-5:]:
                    body = letter.body
                    when = body.get("recorded_at") if isinstance(body, dict) else "(unreadable)"
                    dead.append(f"  dead {when}: {letter.reason}")
            finally:
                spool.close()
        except SpoolError as err:
            lines.append(_line("spool", f"UNREADABLE: {err}"))
    if live is not None and live.get("spool") == "degraded":
        lines.append(_line("spool", f"DEGRADED since {live.get('fault_since')}: {live['fault']}"))
        lines.append(_line("", f"readings kept in memory; {live.get('memory_dropped', 0)} dropped"))
    elif spooled is not None:
        lines.append(_line("spool", f"ok ({config.spool_path})"))
    lines += _settings_lines(config, live, now())
    relay_on = live.get("relay_on") if live else (spooled.relay_on if spooled else None)
    since = (live or {}).get("relay_changed_at") or (spooled.relay_changed_at if spooled else None)
    lines.append(_line("relay", f"{RELAY[relay_on]} since {since or '-'}"))
    lines += _spool_lines(spooled, live)
    last_error = (live or {}).get("last_error") or (spooled.last_error if spooled else None)
    lines.append(_line("last error", last_error or "-"))
    pending = (live or {}).get("notes") or []
    for kind, label in (("fault", "faults"), ("clock_step", "clock steps")):
        held = [f"{n['at']} {n['message']}" for n in pending if n.get("kind") == kind]
        notes = [*(getattr(spooled, f"{kind}s") if spooled else []), *held]
        count = (getattr(spooled, f"{kind}_count") if spooled else 0) + len(held)
        lines.append(_line(label, count or "none"))
        lines += [f"  {note}" for note in notes[-5:]]
    return lines + dead
