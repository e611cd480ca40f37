"""What one reply of the ingest function means for the readings sent, per the reply contract.

The contract (``thermostat.api``) says what each status means for a sender; this module
applies it. Only a body that matches the contract acknowledges anything: a 200 whose body
is not a :class:`~thermostat.api.StoredReply` (a captive portal, a wrong URL, ``{"stored":
true}``) deletes nothing. Readings are named by their position in the request.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from thermostat.api import ErrorReply, ReplyError, StoredReply
from thermostat_pi.transport import Reply

MAX_RETRY_AFTER_S = 3600.0


@dataclass(frozen=True)
class Verdict:
    acked: tuple[int, ...] = ()  # positions stored: delete them
    dead: Mapping[int, str] = field(default_factory=dict)  # position -> why, never resend
    retry: bool = False  # back off before the next request
    retry_after: float | None = None
    error: str | None = None  # why nothing (or not all) was stored, for the log and status
    config: bool = False  # a problem only a person can fix: logged as an error
    refresh: bool = False  # the endpoint may have moved or its keys changed: re-read them
    split_to: int | None = None  # 413: send at most this many at once
    settings: dict[str, Any] | None = None  # 200: newer device settings, not yet validated


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


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _error_reply(body: Any) -> ErrorReply | None:
    try:
        return ErrorReply.parse(body)
    except ReplyError:
        return None


def _positions(indices: list[int] | None, sent: int) -> list[int]:
    return [i for i in indices or [] if 0 <= i < sent]


def _reason(status: int, reply: ErrorReply | None, errors: Any = None) -> str:
    if reply is None:
        return json.dumps({"status": status})
    return json.dumps(
        {"status": status, "error": reply.error, "message": reply.message, "errors": errors}
    )


def _summary(status: int, reply: ErrorReply | None, body: Any) -> str:
    if reply is not None:
        return f"{status} {reply.error}: {reply.message}"
    if isinstance(body, dict) and isinstance(body.get("Message"), str):
        return f"{status} {body['Message']}"  # AWS's own answer before the function runs
    return f"HTTP {status}"


def _refused(reply: ErrorReply | None, sent: int, status: int) -> dict[int, str]:
    items = reply.items if reply is not None else None
    return {
        item.index: _reason(status, reply, [p.model_dump() for p in item.errors])
        for item in items or []
        if item.index is not None and 0 <= item.index < sent
    }


def judge(reply: Reply, sent: int) -> Verdict:
    """The verdict on a request of ``sent`` readings."""
    status, body = reply.status, _json(reply.body)
    error_reply = _error_reply(body) if status != 200 else None
    summary = _summary(status, error_reply, body)
    retry_after = parse_retry_after(reply.headers.get("Retry-After"))
    if status == 200:
        try:
            stored = StoredReply.parse(body)
        except ReplyError:
            stored = None
        if stored is not None and stored.stored <= sent:
            return Verdict(acked=tuple(range(sent)), settings=stored.settings)
        return _config('200 without the ingest function\'s {"stored": n}')
    if status in (409, 422):
        acked = _positions(error_reply.stored, sent) if error_reply and status == 409 else []
        dead = {i: r for i, r in _refused(error_reply, sent, status).items() if i not in acked}
        if not (acked or dead):
            return _config(f"{summary} (names none of the readings sent)")
        return Verdict(acked=tuple(acked), dead=dead)
    if status == 413:
        maximum = error_reply.maximum if error_reply else None
        if sent > 1:
            limit = maximum if maximum is not None and 1 <= maximum < sent else sent // 2
            return Verdict(split_to=limit, error=summary)
        return Verdict(dead={0: _reason(413, error_reply)}, error=summary)
    if status == 429 or status >= 500:
        # A 503 lists what it stored before failing; a 429 stored nothing.
        acked = _positions(error_reply.stored, sent) if error_reply and status == 503 else []
        return Verdict(acked=tuple(acked), retry=True, retry_after=retry_after, error=summary)
    if status == 403 and error_reply is not None and error_reply.error == "device_mismatch":
        return _config(
            f"{summary} - these keys belong to another device: fix device_id or the keys",
            refresh=True,
        )
    return _config(summary, refresh=status in (401, 403, 404), retry_after=retry_after)


def _config(error: str, *, refresh: bool = False, retry_after: float | None = None) -> Verdict:
    return Verdict(
        retry=True,
        retry_after=retry_after,
        error=f"{error} - check the endpoint url, keys and region; readings stay queued",
        config=True,
        refresh=refresh,
    )
