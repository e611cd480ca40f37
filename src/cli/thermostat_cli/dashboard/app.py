"""The Starlette application: the page, its static files, the API, and what guards them.

Served on 127.0.0.1 only, with the caller's own AWS credentials. Two guards keep other web
sites out of it: the Host header must name this machine (a DNS-rebinding page cannot read
the API), and any write must come from the page's own origin (a cross-site POST cannot
change a thermostat).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from thermostat_cli.dashboard import controls, problems
from thermostat_cli.dashboard.api import Api
from thermostat_cli.errors import CliError

STATIC = Path(__file__).parent / "static"
LOCAL_HOSTS = ["127.0.0.1", "localhost"]
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Everything the page loads comes from here: it works with no internet, and nothing else runs.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class SameOriginWrites:
    """Refuse a write whose Origin is not this server (browsers send Origin on every POST)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            headers = dict(scope["headers"])
            origin = headers.get(b"origin", b"").decode("latin-1")
            host = headers.get(b"host", b"").decode("latin-1")
            if not origin or urlsplit(origin).netloc != host:
                body = {
                    "error": {
                        "kind": "cross-origin",
                        "title": "Refused",
                        "message": "writes are only accepted from the dashboard page",
                    }
                }
                await JSONResponse(body, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _problem(request: Request, exc: Exception) -> Response:
    # An unexpected exception is also re-raised by Starlette after this answer, so uvicorn
    # logs its traceback to the terminal; the server keeps serving either way.
    status, body = problems.answer(exc)
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def create_app(api: Api) -> Starlette:
    routes = [
        Route("/", _index),
        Route("/api/devices", api.devices),
        Route("/api/devices/{device_id}/chart", api.chart),
        Route("/api/devices/{device_id}/alerts", api.alerts),
        *controls.routes(api.source),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(TrustedHostMiddleware, allowed_hosts=LOCAL_HOSTS),
            Middleware(SameOriginWrites),
        ],
        exception_handlers={CliError: _problem, Exception: _problem},
    )
