"""What every endpoint shares: the device id from the path, and JSON that is never cached."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from thermostat.contract import DEVICE_ID_PATTERN
from thermostat_cli.errors import BadArguments

NO_STORE = {"Cache-Control": "no-store"}


def json_answer(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, headers=NO_STORE)


def device_of(request: Request) -> str:
    """The ``{device_id}`` of the path, if it is one (the contract's pattern)."""
    device_id = str(request.path_params["device_id"])
    if not re.fullmatch(DEVICE_ID_PATTERN, device_id):
        raise BadArguments(f"not a device id: {device_id!r} (letters, digits, _ . : -)")
    return device_id
