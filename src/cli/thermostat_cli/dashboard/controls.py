"""Adjusting a thermostat from the page: where the settings endpoints plug in (issue 13).

Not built in this version, on purpose: the page must write exactly what ``thermostat set``
writes, with its validation and its errors, and that command was being built at the same
time. This module is the only server-side change it needs:

1. ``AVAILABLE = True``; the page (``static/controls.js``, the "Adjust" section of the
   selected device) then draws setpoint up/down, mode heat/off/away and the weekly schedule.
2. :func:`routes` returns ``POST /api/devices/{device_id}/settings`` taking JSON
   ``{"setpoint_c": 21.5}``, ``{"mode": "away"}``, ``{"schedule": "mon-fri 06:30=21 ..."}`` or
   ``{"schedule": null}``, and answering ``{"version": n, "describe": "..."}``. Its body is
   ``source.read(lambda t: settings_command.change_settings(t, device_id, changes,
   updated_by="dashboard"))``: the schedule text goes through ``WeeklySchedule.parse`` as
   ``thermostat set --schedule`` does, and ``BadArguments`` becomes a 400 with the same
   one-line message (:mod:`problems` already maps it).
3. ``views.tile`` adds the desired version (``Table.settings``) and the applied one
   (``StatusItem.report.settings_version``, ``settings_error``), so the page shows "waiting
   for the device" until they meet, as ``thermostat set --wait`` does (``wait_applied``).

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
