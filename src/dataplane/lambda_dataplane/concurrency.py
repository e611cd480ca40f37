"""Reserved concurrency: at most N invocations of a function in flight, the next one throttled.

Lambda counts a synchronous invocation from the moment it is accepted until its response, and
refuses one more than ``ReservedConcurrentExecutions`` with 429 TooManyRequestsException
(Reason ``ReservedFunctionConcurrentInvocationLimitExceeded``); it does not queue it
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html). Locally one
execution environment runs the events in turn, so "in flight" here means accepted and not yet
answered, running or waiting for the environment: the same count a caller sees on AWS.
A reservation of 0 throttles every invocation, as on AWS; None is no reservation (no cap).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from lambda_dataplane.errors import ThrottledError

# Lambda's message for the throttle (the Invoke API's TooManyRequestsException).
RATE_EXCEEDED = "Rate Exceeded."


class ConcurrencyLimit:
    """Counts invocations in flight against a function's reserved concurrency."""

    def __init__(self, function_name: str, reserved: int | None) -> None:
        if reserved is not None and reserved < 0:
            raise ValueError(f"reserved concurrency must be >= 0, not {reserved}")
        self.function_name = function_name
        self.reserved = reserved
        self._lock = threading.Lock()
        self._in_flight = 0
        self.throttles = 0  # like the Throttles metric: invocations refused

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the reserved slots for the body; ThrottledError if none is free."""
        with self._lock:
            if self.reserved is not None and self._in_flight >= self.reserved:
                self.throttles += 1
                raise ThrottledError(
                    f"{RATE_EXCEEDED} {self.function_name}: {self._in_flight} of"
                    f" {self.reserved} reserved concurrent executions in use"
                )
            self._in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
