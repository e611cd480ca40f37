"""When the queue is sent: after a few readings, and never later than a bound.

Every request costs a Lambda invocation, a stream batch and a status write in the cloud,
whatever it carries, so a Pi that sends each reading alone pays all of that once a minute.
Holding readings until ``after_readings`` are queued divides those costs by that many; the
bound ``max_delay_s`` caps how long any reading waits (``thermostat status`` shows a reading
only once it is sent). A backlog (after an outage) is sent at once, in full batches.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_AFTER_READINGS = 2
DEFAULT_MAX_DELAY_S = 90.0


@dataclass(frozen=True)
class UploadCadence:
    after_readings: int = DEFAULT_AFTER_READINGS
    max_delay_s: float = DEFAULT_MAX_DELAY_S

    def __post_init__(self) -> None:
        if self.after_readings < 1:
            raise ValueError("after_readings must be at least 1")
        if self.max_delay_s < 0:
            raise ValueError("max_delay_s must not be negative")

    def due_in(self, queued: int, waited_s: float) -> float | None:
        """Seconds until the queue should be sent (0: now); None: nothing is queued.

        ``queued``: readings waiting, counted up to ``after_readings``; ``waited_s``: how long
        the oldest of them has waited here."""
        if queued <= 0:
            return None
        if queued >= self.after_readings:
            return 0.0
        return max(0.0, self.max_delay_s - waited_s)


SEND_AT_ONCE = UploadCadence(after_readings=1, max_delay_s=0.0)
