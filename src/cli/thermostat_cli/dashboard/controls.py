"""Adjusting a thermostat from the page: ``POST /api/devices/{device_id}/settings``.

The page writes exactly what ``thermostat set`` writes, through the same two functions
(:func:`~thermostat_cli.settings_changes.settings_changes` checks the input,
:func:`~thermostat_cli.settings_changes.change_settings` writes a new version), so a bad value
gets the same one-line message here as there, as a 400 (:mod:`problems` maps the errors).

The body is JSON, any of ``{"setpoint_c": 21.5, "mode": "away", "away_setpoint_c": 10,
"schedule": "mon-fri 06:30=21 ...", "timezone": "Europe/Berlin"}`` (``"schedule": null``
clears it), and ``"version"``: the desired version the page worked its change out from. The
page sends "0.5 C up" as the setpoint it sees plus 0.5; had someone changed the settings
meanwhile, that would undo their change, so a ``version`` that is no longer the stored one
is refused (409) and the page shows the settings as they are now.

Writes are guarded by ``app.SameOriginWrites``: a POST must come from the page's own origin, so
another web site open in the same browser cannot change a thermostat.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from thermostat.contract import SETPOINT_MAX_C, SETPOINT_MIN_C
from thermostat.device_settings import MODES
from thermostat.items import SettingsItem
from thermostat_cli.dashboard.desired import desired
from thermostat_cli.dashboard.params import device_of, json_answer
from thermostat_cli.dashboard.problems import TooLarge
from thermostat_cli.dashboard.source import TableSource
from thermostat_cli.errors import BadArguments
from thermostat_cli.queries import Table
from thermostat_cli.settings_changes import SCHEDULE_HELP, change_settings, settings_changes

MAX_BODY = 16 * 1024  # a full week of schedule is under 1 KiB
STEP_C = 0.5  # one press of the page's up/down buttons
UPDATED_BY = "dashboard"
NUMBERS = {"setpoint_c": "setpoint", "away_setpoint_c": "away_setpoint"}
TEXTS = {"mode": "mode", "timezone": "timezone"}
FIELDS = (*NUMBERS, *TEXTS, "schedule", "version")


def limits() -> dict[str, Any]:
    """What the page's controls may offer: the contract's bounds, the step, the schedule help."""
    return {
        "setpoint_min_c": SETPOINT_MIN_C,
        "setpoint_max_c": SETPOINT_MAX_C,
        "step_c": STEP_C,
        "modes": list(MODES),
        "schedule_help": SCHEDULE_HELP,
    }


def parse_body(raw: bytes) -> tuple[dict[str, Any], int | None]:
    """The changes (checked by ``settings_changes``) and the version they start from."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise BadArguments(f'the body must be JSON like {{"setpoint_c": 21.5}}: {err}') from err
    if not isinstance(body, dict):
        raise BadArguments('the body must be a JSON object like {"setpoint_c": 21.5}')
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise BadArguments(f"unknown field {unknown[0]!r}; the fields are {', '.join(FIELDS)}")
    given: dict[str, Any] = {}
    for field, name in NUMBERS.items():
        if field in body:
            given[name] = _number(field, body[field])
    for field, name in TEXTS.items():
        if field in body:
            given[name] = _text(field, body[field])
    if "schedule" in body:
        if body["schedule"] is None:
            given["clear_schedule"] = True
        else:
            given["schedule"] = _text("schedule", body["schedule"])
    version = body.get("version")
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, int) or version < 0
    ):
        raise BadArguments(f"version must be the settings version shown (0 or more): {version!r}")
    return settings_changes(**given), version


def _number(field: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadArguments(f"{field} must be a number of degrees Celsius, not {value!r}")
    return float(value)


def _text(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise BadArguments(f"{field} must be text, not {value!r}")
    return value


async def _read_body(request: Request) -> bytes:
    """The request body, refused once it grows past MAX_BODY (whatever Content-Length says)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise TooLarge(f"the body is over {MAX_BODY} bytes; settings take far fewer")
    return bytes(body)


def routes(source: TableSource) -> list[BaseRoute]:
    async def change(request: Request) -> JSONResponse:
        device_id = device_of(request)
        changes, version = parse_body(await _read_body(request))

        def write(table: Table) -> SettingsItem:
            table.require_device(device_id)
            return change_settings(
                table, device_id, changes, updated_by=UPDATED_BY, based_on=version
            )

        # boto3 blocks: in Starlette's thread pool, as the read endpoints are.
        item = await run_in_threadpool(source.read, write)
        return json_answer(
            {
                "device_id": device_id,
                "version": item.settings.version,
                "describe": item.settings.describe(),
                "desired": desired(item),
            }
        )

    return [Route("/api/devices/{device_id}/settings", change, methods=["POST"])]
