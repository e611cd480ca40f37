"""Adjusting a thermostat from the page: where the settings endpoints plug in (issue 13).

Not built yet, on purpose: the desired-settings item, its validation and its errors belong to
``thermostat set`` (issue 13), and the page must write exactly what that command writes. When
it lands, this module is the only server-side change:

1. ``AVAILABLE = True``; the page (``static/controls.js``) then draws the controls.
2. :func:`routes` returns the write endpoints, each a thin call into ``thermostat set``'s own
   function (same validation, same one-line errors, raised as ``BadArguments`` so that
   :mod:`problems` answers 400 with the message):

   * ``POST /api/devices/{device_id}/settings`` with JSON ``{"setpoint_c": 21.5}``,
     ``{"mode": "heat"|"off"|"away"}`` or ``{"schedule": "mon-fri 06:30=21 ..."}``
     (or ``{"clear_schedule": true}``) -> ``{"version": n}``;
   * the tile's JSON (``views.tile``) gains ``desired`` and ``applied`` settings from
     ``thermostat status``'s read, so the page can show "waiting for the device" until the
     applied version reaches the desired one.

Writes are already guarded by ``app.SameOriginWrites``: a POST must come from the page's own
origin, so another web site open in the same browser cannot change a thermostat.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from thermostat_cli.dashboard.source import TableSource

AVAILABLE = False


def routes(source: TableSource) -> list[BaseRoute]:
    """The settings endpoints; none until ``thermostat set`` exists."""
    return []
