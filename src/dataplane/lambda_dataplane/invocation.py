"""One in-flight invocation: a result slot that the first finisher fills."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field


def error_payload(error_type: str, message: str) -> bytes:
    """Lambda's error JSON for failures the data plane itself detects (timeouts, crashes)."""
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def new_trace_id() -> str:
    """An X-Ray trace header value, shaped like Lambda's (Root=1-<epoch hex>-<96 bits>)."""
    root = f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
    return f"Root={root};Parent={uuid.uuid4().hex[:16]};Sampled=0"


@dataclass
class Invocation:
    """The event handed to the environment and, once finished, what it answered."""

    payload: bytes
    timeout_seconds: float = 3.0
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    trace_id: str = field(default_factory=new_trace_id)
    deadline_ms: int = 0  # set when the environment takes the event (invocation/next)
    result: bytes = b""
    function_error: str | None = None
    dispatched: bool = False
    done: bool = False
    lost_before_dispatch: bool = False  # its environment exited before taking it
    _cond: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def mark_dispatched(self) -> None:
        """Record that the environment took the event; its deadline starts now."""
        with self._cond:
            self.deadline_ms = int((time.time() + self.timeout_seconds) * 1000)
            self.dispatched = True
            self._cond.notify_all()

    def finish(self, payload: bytes, function_error: str | None, *, lost: bool = False) -> bool:
        """Set the result unless another party (response, timeout, crash) already did.

        lost: the environment exited before taking the event (the caller may retry it)."""
        with self._cond:
            if self.done:
                return False
            self.result, self.function_error, self.done = payload, function_error, True
            self.lost_before_dispatch = lost
            self._cond.notify_all()
            return True

    def wait_dispatched(self, timeout: float) -> bool:
        """Wait until the environment took the event, or it finished first (e.g. init error)."""
        with self._cond:
            return self._cond.wait_for(lambda: self.dispatched or self.done, max(timeout, 0))

    def wait_done(self, timeout: float) -> bool:
        """Wait for the result; False if the timeout passed first."""
        with self._cond:
            return self._cond.wait_for(lambda: self.done, max(timeout, 0))
