"""Notice when the wall clock is stepped, by comparing it with the monotonic clock.

A reading carries the wall-clock time it was taken. When that clock is stepped (NTP after
a boot without a real-time clock, a person with ``date -s``, a bad time server), readings
on either side of the step are out of order or an hour off. The monotonic clock is never
stepped, so between two ticks both must advance by the same amount; NTP's slewing changes
the rate by at most 500 ppm, far below ``threshold_s`` over one interval.
https://man7.org/linux/man-pages/man2/clock_gettime.2.html
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from thermostat.contract import format_timestamp

DEFAULT_THRESHOLD_S = 2.0


@dataclass(frozen=True)
class ClockStep:
    seconds: float  # positive: the wall clock jumped forward
    before: datetime  # wall time expected now, had the clock not been stepped
    after: datetime  # wall time now

    def describe(self) -> str:
        direction = "forward" if self.seconds > 0 else "back"
        return (
            f"wall clock stepped {direction} {abs(self.seconds):.1f} s"
            f" (expected {format_timestamp(self.before)}, now {format_timestamp(self.after)})"
        )


class ClockWatch:
    def __init__(
        self,
        *,
        now: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
        threshold_s: float = DEFAULT_THRESHOLD_S,
    ) -> None:
        self._now = now
        self._monotonic = monotonic
        self.threshold_s = threshold_s
        self._last: tuple[datetime, float] | None = None

    def check(self) -> ClockStep | None:
        """The step since the last call, if the wall clock moved differently from monotonic."""
        wall, mono = self._now(), self._monotonic()
        last, self._last = self._last, (wall, mono)
        if last is None:
            return None
        wall_delta = (wall - last[0]).total_seconds()
        step = wall_delta - (mono - last[1])
        if abs(step) < self.threshold_s:
            return None
        expected = last[0] + timedelta(seconds=mono - last[1])
        return ClockStep(seconds=step, before=expected, after=wall)
