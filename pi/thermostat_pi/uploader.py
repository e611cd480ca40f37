"""Send queued readings to the ingest Function URL; nothing leaves the queue unacknowledged.

Each request has an overall deadline and a cap on its reply (``transport``); what a reply
means is decided by the reply contract (``replies``). A row that cannot be sent (not JSON,
not an object, NaN, larger than a request may be) goes to the dead letters at once instead
of blocking every later reading. Failures back off exponentially with full jitter, honouring
Retry-After; when the endpoint cannot be reached (or refuses the keys), the endpoint files
are looked at again, so a local stack that came back elsewhere is found without a restart.

Readings are held until the :class:`~thermostat_pi.cadence.UploadCadence` says to send (a few
readings queued, or the oldest has waited long enough): each request costs the same in the
cloud however many readings it carries.

Every batch carries the device's report on itself (``{"readings": [...], "device": {...}}``:
the settings version it runs, why it refused newer ones, its software), and the settings a
reply brings go to the device (:class:`~thermostat_pi.remote_settings.RemoteSettings`).
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from thermostat.api import MAX_BODY_BYTES, MAX_READINGS_PER_REQUEST
from thermostat_pi.cadence import SEND_AT_ONCE, UploadCadence
from thermostat_pi.endpoint import Endpoint, EndpointWatcher
from thermostat_pi.errors import TransportError
from thermostat_pi.replies import Verdict, judge
from thermostat_pi.spool import Spooled
from thermostat_pi.transport import BoundedSession

log = logging.getLogger(__name__)
WATCH_SLICE_S = 1.0  # while backing off, how often the endpoint files are looked at
_OPEN = b'{"readings":['


class Queue(Protocol):
    """What the uploader needs of the queue (:class:`~thermostat_pi.outbox.Outbox`, Spool)."""

    def peek(self, limit: int) -> list[Spooled]: ...
    def ack(self, ids: Iterable[int]) -> None: ...
    def dead_letter(self, rejected: dict[int, str]) -> None: ...
    def record_error(self, message: str) -> None: ...


class Device(Protocol):
    """What the uploader needs of the device (:class:`~thermostat_pi.remote_settings.
    RemoteSettings`): its report for each batch, and a place for settings from replies."""

    def report(self) -> dict[str, Any]: ...
    def offer(self, settings: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class Outcome:
    """What one POST did; ``delay_s`` is set when the caller should wait before the next."""

    sent: int = 0
    dead_lettered: int = 0
    empty: bool = False
    delay_s: float | None = None
    error: str | None = None


def make_auth(
    auth: str,
    *,
    region: str,
    access_key_id: str | None,
    secret_access_key: str | None,
    session_token: str | None = None,
) -> requests.auth.AuthBase | None:
    """SigV4 for an ``AWS_IAM`` Function URL (service ``lambda``); ``None`` for ``NONE``."""
    if auth == "NONE":
        return None
    from requests_aws4auth import AWS4Auth  # only AWS_IAM needs it

    signer: requests.auth.AuthBase = AWS4Auth(
        access_key_id, secret_access_key, region, "lambda", session_token=session_token
    )
    return signer


def endpoint_auth(endpoint: Endpoint) -> requests.auth.AuthBase | None:
    return make_auth(
        endpoint.auth,
        region=endpoint.region,
        access_key_id=endpoint.access_key_id,
        secret_access_key=endpoint.secret_access_key,
        session_token=endpoint.session_token,
    )


def _unusable(message: str) -> str:
    return json.dumps({"error": "unsendable_row", "message": message})


def _closing(report: dict[str, Any] | None) -> bytes:
    if report is None:
        return b"]}"
    return b'],"device":' + json.dumps(report, separators=(",", ":")).encode() + b"}"


def pack(
    rows: list[Spooled], report: dict[str, Any] | None = None
) -> tuple[list[Spooled], bytes, dict[int, str]]:
    """(rows to send, request body, id -> why a row can never be sent), within the body limit.

    ``report``: the batch's ``device`` object, sent after the readings."""
    closing = _closing(report)
    batch: list[Spooled] = []
    parts: list[bytes] = []
    size = len(_OPEN) + len(closing)
    unusable: dict[int, str] = {}
    for row in rows:
        try:
            body = json.loads(row.text)
            if not isinstance(body, dict):
                raise ValueError(f"a reading is a JSON object, not {type(body).__name__}")
            part = json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
        except (ValueError, RecursionError) as err:
            unusable[row.id] = _unusable(f"unreadable spool row: {err}")
            continue
        if size + len(part) + 1 > MAX_BODY_BYTES:
            if batch:
                break  # the next request takes it
            unusable[row.id] = _unusable(f"{len(part)} bytes: larger than any request may be")
            continue
        batch.append(row)
        parts.append(part)
        size += len(part) + 1
    return batch, _OPEN + b",".join(parts) + closing, unusable


class Uploader:
    def __init__(
        self,
        *,
        spool: Queue,
        url: str,
        auth: requests.auth.AuthBase | None = None,
        watcher: EndpointWatcher | None = None,
        device: Device | None = None,
        batch_size: int = 100,
        timeout_s: float = 10.0,
        deadline_s: float = 30.0,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 300.0,
        transport: BoundedSession | None = None,
        sleep: Callable[[float], object] = time.sleep,
        jitter: Callable[[], float] = random.random,
        cadence: UploadCadence = SEND_AT_ONCE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= batch_size <= MAX_READINGS_PER_REQUEST:
            raise ValueError(f"batch_size must be 1..{MAX_READINGS_PER_REQUEST}")
        self.spool = spool
        self.url = url
        self.auth = auth
        self.watcher = watcher
        self.device = device
        self.batch_limit = batch_size
        self.deadline_s = deadline_s
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.transport = transport or BoundedSession(
            deadline_s=deadline_s, read_timeout_s=timeout_s
        )
        self._sleep = sleep
        self._jitter = jitter
        self.cadence = cadence
        self._monotonic = monotonic
        self._held_since: float | None = None  # when the oldest unsent reading was first seen
        self.failures = 0  # consecutive

    def _moved(self) -> bool:
        """Take up a changed endpoint (url or keys) if its files changed."""
        endpoint = self.watcher.poll() if self.watcher is not None else None
        if endpoint is None:
            return False
        self.url, self.auth = endpoint.url, endpoint_auth(endpoint)
        return True

    def _backoff(self, verdict: Verdict) -> Outcome:
        error = verdict.error or "failed"
        if verdict.refresh and self._moved():
            return Outcome(delay_s=0.0, error=error)  # try the new endpoint now
        self.failures += 1
        # Full jitter: https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
        ceiling = min(self.backoff_max_s, self.backoff_base_s * 2 ** min(self.failures - 1, 30))
        delay = self._jitter() * ceiling
        if verdict.retry_after is not None:
            delay = max(delay, verdict.retry_after)
        say = log.error if verdict.config else log.warning
        say("send failed, retrying in %.1f s: %s", delay, error)
        self.spool.record_error(error)
        return Outcome(delay_s=delay, error=error)

    def send_once(self) -> Outcome:
        """POST the oldest batch once and act on the answer."""
        rows = self.spool.peek(self.batch_limit)
        if not rows:
            return Outcome(empty=True)
        batch, body, unusable = pack(rows, self.device.report() if self.device else None)
        if unusable:
            log.error("%d spool row(s) cannot be sent; moved to dead letters", len(unusable))
            self.spool.dead_letter(unusable)
        if not batch:
            return Outcome(dead_lettered=len(unusable))
        # A rewritten keys or endpoints file is used from the next POST on, without a restart
        # (`thermostat device rotate-key` waits for a reading signed with the new key).
        self._moved()
        try:
            reply = self.transport.post_json(self.url, body, self.auth)
        except TransportError as err:
            return self._backoff(Verdict(retry=True, error=str(err), refresh=True))
        verdict = judge(reply, len(batch))
        ids = [row.id for row in batch]
        if verdict.acked:
            self.spool.ack(ids[i] for i in verdict.acked)
        if verdict.dead:
            log.error("server refused %d reading(s); moved to dead letters", len(verdict.dead))
            self.spool.dead_letter({ids[i]: reason for i, reason in verdict.dead.items()})
        if verdict.split_to is not None:
            # The server's limit is lower than ours: keep the smaller size.
            self.batch_limit = verdict.split_to
            log.warning("server said %s; batch size now %d", verdict.error, self.batch_limit)
        if verdict.settings is not None and self.device is not None:
            self.device.offer(verdict.settings)
        if verdict.retry:
            return self._backoff(verdict)
        self.failures = 0
        return Outcome(sent=len(verdict.acked), dead_lettered=len(verdict.dead) + len(unusable))

    def _wait(self, delay: float, stop: threading.Event | None) -> None:
        if self.watcher is None:
            self._sleep(delay)
            return
        # Look at the endpoint files while waiting: a moved endpoint is tried at once.
        left = delay
        while left > 0 and not (stop is not None and stop.is_set()):
            chunk = min(left, WATCH_SLICE_S)
            self._sleep(chunk)
            left -= chunk
            if self._moved():
                return

    def drain(
        self, *, stop: threading.Event | None = None, max_failures: int | None = None
    ) -> bool:
        """Send until the queue is empty (True), or stop / ``max_failures`` in a row (False)."""
        while stop is None or not stop.is_set():
            outcome = self.send_once()
            if outcome.empty:
                return True
            if outcome.delay_s is not None:
                if max_failures is not None and self.failures >= max_failures:
                    return False
                self._wait(outcome.delay_s, stop)
        return False

    def due_in(self) -> float | None:
        """Seconds until the queue is to be sent by the cadence (0: now); None: it is empty."""
        queued = len(self.spool.peek(self.cadence.after_readings))
        if queued == 0:
            self._held_since = None
            return None
        now = self._monotonic()
        if self._held_since is None:
            self._held_since = now
        return self.cadence.due_in(queued, now - self._held_since)

    def send_if_due(self, *, stop: threading.Event | None = None) -> float | None:
        """Drain the queue if the cadence says so; then what :meth:`due_in` says."""
        if self.due_in() == 0:
            self.drain(stop=stop)
            self._held_since = None
        return self.due_in()

    def run(self, stop: threading.Event, wakeup: threading.Event, idle_s: float) -> None:
        """The service's upload thread: send when due, then wait for a new reading, the
        cadence's bound, or ``idle_s``."""
        while not stop.is_set():
            try:
                due = self.send_if_due(stop=stop)
            except Exception:  # this thread must outlive any one failure
                log.exception("upload failed; retrying in %.0f s", idle_s)
                due = None
            wakeup.wait(idle_s if due is None else min(due, idle_s))
            wakeup.clear()
