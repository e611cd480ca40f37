"""The state of one execution environment instance, behind its Runtime API endpoints.

Status codes follow the Runtime API's OpenAPI spec: 202 accepted, 400 unknown request id,
403 a call out of order (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http import HTTPStatus

from lambda_dataplane.invocation import Invocation, error_payload


class EnvironmentSlot:
    """What one environment instance holds: at most one queued and one in-flight event."""

    def __init__(self, *, function_arn: str) -> None:
        self.function_arn = function_arn
        self._cond = threading.Condition()
        self._queued: Invocation | None = None
        self._current: Invocation | None = None
        self._stopping = False
        self.init_error: bytes | None = None
        self.exited = False
        self.waiting = 0  # long-polls parked in invocation/next
        self.recycle = False  # set when the environment must not take another event

    @property
    def healthy(self) -> bool:
        """False once the environment exited or reported an init error."""
        with self._cond:
            gone = self.exited or self._stopping or self.init_error is not None
            return not (gone or self.recycle)

    def close(self) -> None:
        """Refuse further events and wake every waiting long-poll."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def submit(self, invocation: Invocation) -> None:
        """Queue the event for the next invocation/next; an earlier init error answers at once."""
        with self._cond:
            if self.init_error is not None:
                invocation.finish(self.init_error, "Unhandled")
                return
            self._queued = invocation
            self._cond.notify_all()

    def environment_exited(self, reason: str) -> None:
        """Called when the environment's process ends: fail whatever it was holding."""
        with self._cond:
            self.exited = True
            for inv in (self._current, self._queued):
                if inv is None:
                    continue
                if self.init_error is not None:
                    inv.finish(self.init_error, "Unhandled")
                else:
                    text = f"Runtime exited with error: {reason}"
                    message = f"RequestId: {inv.request_id} Error: {text}"
                    payload = error_payload("Runtime.ExitError", message)
                    inv.finish(payload, "Unhandled", lost=inv is self._queued)
            self._current = self._queued = None
            self._cond.notify_all()

    # -- what the Runtime API endpoints do -------------------------------------------------
    def next_invocation(self, caller_alive: Callable[[], bool] = lambda: True) -> Invocation | None:
        """Block until an event is queued (long-poll); None when the server stops.

        caller_alive: checked before handing the event over, so a long-poll left behind by
        a process that just died does not swallow the event (it stays queued, and is
        retried elsewhere once the exit is seen)."""
        with self._cond:
            self.waiting += 1
            self._cond.wait_for(lambda: self._stopping or self._queued is not None)
            self.waiting -= 1
            if self._stopping or self._queued is None or not caller_alive():
                return None
            inv, self._queued = self._queued, None
            self._current = inv
            inv.mark_dispatched()
            return inv

    def busy(self) -> bool:
        """True while a dispatched event has no result yet (a second next is out of order)."""
        with self._cond:
            return self._current is not None and not self._current.done

    def finish(
        self, request_id: str, payload: bytes, error: str | None, *, recycle: bool = False
    ) -> HTTPStatus:
        """Record a response/error for request_id; the status tells the runtime how it went.

        recycle: the environment is not reused afterwards (awslambdaric exits once its
        response is refused, so handing it another event would race with its exit)."""
        with self._cond:
            inv = self._current
            if inv is None or inv.request_id != request_id:
                return HTTPStatus.BAD_REQUEST
            if not inv.finish(payload, error):
                return HTTPStatus.FORBIDDEN
            self.recycle = self.recycle or recycle
            return HTTPStatus.ACCEPTED

    def record_init_error(self, payload: bytes) -> HTTPStatus:
        """Keep the init error; it becomes the payload of the pending (or next) invocation."""
        with self._cond:
            if self.init_error is not None or self._current is not None:
                return HTTPStatus.FORBIDDEN
            self.init_error = payload
            if self._queued is not None:
                self._queued.finish(payload, "Unhandled")
                self._queued = None
            return HTTPStatus.ACCEPTED
