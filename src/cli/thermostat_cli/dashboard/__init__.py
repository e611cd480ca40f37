"""``thermostat dashboard``: a live page of every thermostat, served on 127.0.0.1.

Where things are:

* ``command.py``  the subcommand: options, the uvicorn server, ``--open``.
* ``app.py``      the Starlette application: routes, middleware, static files.
* ``api.py``      the read endpoints (devices, chart, alerts) as JSON.
* ``views.py``    table items -> the JSON the page draws (pure functions).
* ``reads.py``    the dashboard's Queries (never a Scan), beside ``queries.Table``'s.
* ``source.py``   which table, per request (``make dev`` may start or stop while it runs).
* ``problems.py`` every error -> an HTTP status and a message for the page (one place).
* ``controls.py`` adjusting a thermostat from the page: the one place where the settings
  endpoints plug in (issue 13), with ``static/controls.js`` on the page.
* ``vendor.py``   the vendored chart library (uPlot): check it, fetch it again.
"""
