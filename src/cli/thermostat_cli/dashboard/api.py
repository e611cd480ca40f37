"""The page's read endpoints: every device's tile, one device's chart, its alert history.

Each is a plain function of the request (Starlette runs sync endpoints in its thread pool,
where boto3's blocking calls belong); errors are left to :mod:`problems`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import JSONResponse

from thermostat_cli.dashboard import controls, reads, views
from thermostat_cli.dashboard.cache import HourCache
from thermostat_cli.dashboard.params import device_of, json_answer
from thermostat_cli.dashboard.source import TableSource
from thermostat_cli.errors import BadArguments
from thermostat_cli.timerange import ONE_MS

MAX_ALERTS = 100
# Readings read for a range's first answer; its older hours follow in a second request. About
# 0.3 s of moto_server's time (DynamoDB is faster): the chart draws before the rest is read.
FIRST_READINGS = 500


@dataclass(frozen=True)
class Settings:
    silent_after: timedelta
    refresh_seconds: float
    tz: tzinfo  # when the page does not send its own zone


class Api:
    def __init__(
        self,
        source: TableSource,
        settings: Settings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.source = source
        self.settings = settings
        self.clock = clock
        self.hours = HourCache(reads.samples)

    def devices(self, request: Request) -> JSONResponse:
        statuses, desired = self.source.read(reads.statuses_and_settings)
        body = views.devices(statuses, self.clock(), self.settings.silent_after, desired)
        body["refresh_seconds"] = self.settings.refresh_seconds
        body["source"] = self.source.describe()
        body["controls"] = controls.limits()
        return json_answer(body)

    def chart(self, request: Request) -> JSONResponse:
        device_id = device_of(request)
        params = request.query_params
        chosen = views.chart_range(
            params.get("range", "24h"), self._zone(request), self.clock(), params.get("day")
        )
        span = chosen.span
        body: dict[str, Any]
        if chosen.kind == "readings":
            after = views.parse_epoch_ms("after", params.get("after"))
            before = views.parse_epoch_ms("before", params.get("before"))
            more: datetime | None = None
            if after is not None and before is not None:
                raise BadArguments("give after (newer readings) or before (older), not both")
            if after is not None:  # the page's poll: only what is newer than what it has
                first = max(span.start, after + ONE_MS)
                rows = self.source.read(lambda t: reads.samples(t, device_id, first, span.last))
            elif before is not None and before <= span.start:
                rows = []
            else:  # the newest hours of the range, or those before what the page has
                last = span.last if before is None else min(span.last, before - ONE_MS)
                budget = FIRST_READINGS if before is None else None
                window = self.source.read(
                    lambda t: self.hours.window(t, device_id, span.start, last, budget=budget)
                )
                rows = window.samples
                more = window.start if window.start > span.start else None
            body = views.reading_chart(device_id, chosen, rows, more_before=more)
            empty = not rows and after is None and more is None
        else:
            kind = chosen.kind
            rollups = self.source.read(lambda t: t.rollups(device_id, span, kind))
            body = views.rollup_chart(device_id, chosen, rollups)
            empty = not rollups
        if empty:  # nothing in range: say so only if the device exists at all
            self.source.read(lambda t: t.require_device(device_id))
        return json_answer(body)

    def alerts(self, request: Request) -> JSONResponse:
        device_id = device_of(request)
        limit = _limit(request.query_params.get("limit", "20"))
        items = self.source.read(lambda t: reads.newest_alerts(t, device_id, limit))
        if not items:
            self.source.read(lambda t: t.require_device(device_id))
        return json_answer({"device_id": device_id, "alerts": [views.alert(a) for a in items]})

    def _zone(self, request: Request) -> tzinfo:
        name = request.query_params.get("tz")
        if not name:
            return self.settings.tz
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise BadArguments(f"unknown time zone {name!r}") from err


def _limit(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_ALERTS:
        raise BadArguments(f"limit must be 1 to {MAX_ALERTS}: {text!r}")
    return int(text)
