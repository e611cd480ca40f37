"""A task run every so often from a daemon thread until stopped: the schedules' invocations,
and make dev's TTL sweeper."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Every:
    """Runs ``task`` every ``interval_s`` seconds; the first run comes one interval after
    :meth:`start`, as EventBridge's first run comes one interval after the rule is created.
    A run that raises ends the thread: the task handles what it can recover from."""

    def __init__(
        self, interval_s: float, task: Callable[[], None], *, name: str, join_timeout: float = 30.0
    ) -> None:
        self.interval_s, self._task, self._join_timeout = interval_s, task, join_timeout
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """No further run; waits (up to the join timeout) for a run in progress to end."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._join_timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._task()
