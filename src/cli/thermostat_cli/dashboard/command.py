"""``thermostat dashboard``: serve the page on 127.0.0.1 until Ctrl-C.

uvicorn serves the Starlette app on a socket bound here first, so a taken port is a one-line
error, ``--port 0`` picks a free one, and the URL printed is the one that answers.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import socket
import threading
import webbrowser
from datetime import timedelta
from typing import TextIO

from thermostat_cli import connection, timerange
from thermostat_cli.errors import BadArguments, CliError

DEFAULT_PORT = 8470
HOST = "127.0.0.1"


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 ({DEFAULT_PORT}; 0: any)"
    )
    parser.add_argument("--open", action="store_true", help="open the page in the browser")
    parser.add_argument(
        "--silent-after",
        type=timerange.duration,
        default=timedelta(minutes=15),
        metavar="DURATION",
        help="show a device as silent when not heard from for this long (default 15m)",
    )
    parser.add_argument(
        "--refresh",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how often the page reads the table again (default 5)",
    )


def bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as err:
        sock.close()
        if err.errno == errno.EADDRINUSE:
            raise BadArguments(
                f"port {port} is in use: pass --port N (0 picks a free one)"
            ) from err
        raise BadArguments(f"cannot listen on {HOST}:{port}: {err.strerror}") from err
    sock.listen(128)
    return sock


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import uvicorn

    from thermostat_cli.dashboard.api import Api, Settings
    from thermostat_cli.dashboard.app import create_app
    from thermostat_cli.dashboard.source import TableSource

    if args.refresh < 1:
        raise BadArguments("--refresh must be at least 1 second")
    source = TableSource(**connection.flags(args))
    settings = Settings(silent_after=args.silent_after, refresh_seconds=args.refresh, tz=args.tz)
    app = create_app(Api(source, settings))
    sock = bind(args.port)
    threading.Thread(target=source.warm, name="warm", daemon=True).start()
    url = f"http://{HOST}:{sock.getsockname()[1]}/"
    out.write(f"{url}\n")
    out.flush()
    try:
        err.write(f"thermostat dashboard: reading {source.describe()}; Ctrl-C stops it\n")
    except CliError as problem:  # the page says it too, and the server keeps running
        err.write(f"thermostat dashboard: not connected yet: {problem}\n")
    err.flush()
    if args.open:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    # uvicorn shuts down on Ctrl-C, then raises the signal again for the caller.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])
    err.write("thermostat dashboard: stopped\n")
    return 0
