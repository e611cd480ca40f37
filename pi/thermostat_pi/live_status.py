"""The running service's own view, in a small JSON file that ``thermostat-pi status`` reads.

The spool holds what lasts (queue, acks, dead letters, faults). This file holds what only
the running process knows: whether the spool is degraded right now, how many readings wait
in memory, the last clock step. It lives on a RAM disk (``/run/thermostat-pi``, systemd's
RuntimeDirectory=) so it can be written when the SD card cannot, and it is replaced
atomically (readers never see half of it).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from thermostat.contract import format_timestamp

log = logging.getLogger(__name__)


class LiveStatus:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._failing: str | None = None

    def write(self, data: dict[str, Any]) -> None:
        """Replace the file; a failure is logged once (and again once it recovers)."""
        if self.path is None:
            return
        document = {"pid": os.getpid(), "updated_at": format_timestamp(datetime.now(UTC))}
        document.update(data)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
            tmp.replace(self.path)
        except OSError as err:
            if self._failing is None:
                log.warning("cannot write the live status %s: %s", self.path, err)
            self._failing = str(err)
            return
        if self._failing is not None:
            log.info("live status %s written again", self.path)
            self._failing = None

    def remove(self) -> None:
        """The service stopped: nothing is live any more."""
        if self.path is not None:
            try:
                self.path.unlink(missing_ok=True)
            except OSError as err:
                log.warning("cannot remove the live status %s: %s", self.path, err)


def read_live_status(path: Path) -> dict[str, Any] | None:
    """The file's contents if a running service wrote it; None if absent, stale or broken."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int):
        return None
    try:
        os.kill(data["pid"], 0)
    except ProcessLookupError:
        return None  # left by a service that was killed
    except PermissionError:
        pass  # alive, another user's
    return data
