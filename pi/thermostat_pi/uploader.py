"""Send spooled readings to the ingest Function URL; nothing leaves the spool without a 200.

Response handling follows the ingest contract (CONTEXT.md / the ingest handler):
200 ack and delete; 422 dead-letter exactly the listed indices and send the rest;
413 split the batch; 429/5xx and network errors back off with full jitter, honouring
Retry-After (503 also lists what it stored, which is acked); any other status is a
configuration problem (URL, auth, region): keep everything, back off, say so loudly.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from thermostat_pi.spool import Spool, Spooled

log = logging.getLogger(__name__)

MAX_READINGS_PER_REQUEST = 500  # the ingest function's limit
MAX_RETRY_AFTER_S = 3600.0


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


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - now()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def _reason(body: Any, status: int) -> str:
    if isinstance(body, dict) and "error" in body:
        return f"{status} {body['error']}: {body.get('message', '')}"
    return f"HTTP {status}"


class Uploader:
    def __init__(
        self,
        *,
        spool: Spool,
        url: str,
        auth: requests.auth.AuthBase | None = None,
        batch_size: int = 100,
        timeout_s: float = 10.0,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 300.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], object] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if not 1 <= batch_size <= MAX_READINGS_PER_REQUEST:
            raise ValueError(f"batch_size must be 1..{MAX_READINGS_PER_REQUEST}")
        self.spool = spool
        self.url = url
        self.auth = auth
        self.batch_limit = batch_size
        self.timeout_s = timeout_s
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.session = session or requests.Session()
        self._sleep = sleep
        self._jitter = jitter
        self.failures = 0  # consecutive

    def _backoff(self, error: str, retry_after: float | None, *, config: bool = False) -> Outcome:
        self.failures += 1
        # Full jitter: https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
        ceiling = min(self.backoff_max_s, self.backoff_base_s * 2 ** min(self.failures - 1, 30))
        delay = self._jitter() * ceiling
        if retry_after is not None:
            delay = max(delay, retry_after)
        (log.error if config else log.warning)("send failed, retrying in %.1f s: %s", delay, error)
        self.spool.record_error(error)
        return Outcome(delay_s=delay, error=error)

    def send_once(self) -> Outcome:
        """POST the oldest batch once and act on the answer."""
        batch = self.spool.peek(self.batch_limit)
        if not batch:
            return Outcome(empty=True)
        try:
            response = self.session.post(
                self.url,
                json={"readings": [item.body for item in batch]},
                auth=self.auth,
                timeout=self.timeout_s,
                # A redirect means a wrong URL: never re-POST readings to another host.
                allow_redirects=False,
            )
        except requests.RequestException as err:
            return self._backoff(f"network error: {err}", None)
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        status = response.status_code
        if status == 200 and isinstance(body, dict) and isinstance(body.get("stored"), int):
            self.spool.ack(item.id for item in batch)
            self.failures = 0
            return Outcome(sent=len(batch))
        if status == 422:
            return self._invalid(batch, body)
        if status == 413:
            return self._too_large(batch, body)
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429 or status >= 500:
            self._ack_partial(batch, body)
            return self._backoff(_reason(body, status), retry_after)
        # Includes a 200 that is not the ingest function's {"stored": n}: a captive
        # portal or a wrong URL must not make us delete readings.
        return self._backoff(
            f"{_reason(body, status)} - check the endpoint url, auth and region;"
            " readings stay queued",
            retry_after,
            config=True,
        )

    def _ack_partial(self, batch: list[Spooled], body: Any) -> None:
        # A 503 lists the indices it stored before failing; those are safe to delete.
        stored = body.get("stored") if isinstance(body, dict) else None
        if isinstance(stored, list):
            ids = [batch[i].id for i in stored if isinstance(i, int) and 0 <= i < len(batch)]
            if ids:
                self.spool.ack(ids)

    def _invalid(self, batch: list[Spooled], body: Any) -> Outcome:
        items = body.get("items") if isinstance(body, dict) else None
        rejected: dict[int, str] = {}
        for item in items if isinstance(items, list) else []:
            index = item.get("index") if isinstance(item, dict) else None
            if isinstance(index, int) and 0 <= index < len(batch):
                rejected[batch[index].id] = json.dumps(
                    {"message": body.get("message"), "errors": item.get("errors")}
                )
        if not rejected:
            # A 422 that names nothing we sent cannot be acted on safely: keep it all.
            return self._backoff(f"{_reason(body, 422)} (no usable indices)", None, config=True)
        log.error("server refused %d reading(s); moved to dead letters", len(rejected))
        self.spool.dead_letter(rejected)
        return Outcome(dead_lettered=len(rejected))

    def _too_large(self, batch: list[Spooled], body: Any) -> Outcome:
        if len(batch) > 1:
            # The server's limit is lower than ours: halve, and keep the smaller size.
            self.batch_limit = max(1, len(batch) // 2)
            log.warning("server said 413; batch size now %d", self.batch_limit)
            return Outcome()
        self.spool.dead_letter({batch[0].id: json.dumps({"message": _reason(body, 413)})})
        return Outcome(dead_lettered=1)

    def drain(
        self, *, stop: threading.Event | None = None, max_failures: int | None = None
    ) -> bool:
        """Send until the spool is empty (True), or stop / ``max_failures`` in a row (False)."""
        while stop is None or not stop.is_set():
            outcome = self.send_once()
            if outcome.empty:
                return True
            if outcome.delay_s is not None:
                if max_failures is not None and self.failures >= max_failures:
                    return False
                self._sleep(outcome.delay_s)
        return False

    def run(self, stop: threading.Event, wakeup: threading.Event, idle_s: float) -> None:
        """The service's upload thread: drain, then wait for a new reading or ``idle_s``."""
        while not stop.is_set():
            try:
                self.drain(stop=stop)
            except Exception:  # this thread must outlive any one failure
                log.exception("upload failed; retrying in %.0f s", idle_s)
            wakeup.wait(idle_s)
            wakeup.clear()
