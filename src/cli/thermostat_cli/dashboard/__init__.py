"""``thermostat dashboard``: a live page of every thermostat, served on 127.0.0.1.

Where things are:

* ``command.py``  the subcommand: options, the uvicorn server, ``--open``.
* ``app.py``      the Starlette application: routes, middleware, static files.
* ``api.py``      the read endpoints (devices, chart, alerts) as JSON.
* ``controls.py`` the write endpoint: a device's settings from the page, through
  ``settings_changes`` as ``thermostat set`` (``static/controls.js`` on the page).
* ``params.py``   what the endpoints share: the device id of the path, JSON answers.
* ``views.py``    table items -> the JSON the page draws (pure functions).
* ``desired.py``  a tile's settings: desired against applied version, in words.
* ``reads.py``    the dashboard's Queries (never a Scan), beside ``queries.Table``'s.
* ``cache.py``    readings already read, by hour, while the hourly rollups agree.
* ``source.py``   which table, per request (``make dev`` may start or stop while it runs).
* ``problems.py`` every error -> an HTTP status and a message for the page (one place).
* ``vendor.py``   the vendored chart library (uPlot): check it, fetch it again.
"""
