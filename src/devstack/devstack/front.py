"""One endpoint for every API: ``make dev``'s AWS endpoint in front of moto_server.

Requests about the functions the data plane runs (Invoke, GetFunction, Function URL configs,
event source mappings) are answered by :class:`lambda_dataplane.lambda_api.LambdaApi`;
everything else goes to moto_server on its internal port unchanged. Werkzeug's threaded WSGI
server owns the HTTP framing and urllib3's pool the forwarding: both are already here as moto's
own dependencies, and neither is hand-written.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

import urllib3
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from devstack.errors import StartupError
from lambda_dataplane.lambda_api import LambdaApi
from lambda_dataplane.url_event import HttpRequest, HttpResponse

log = logging.getLogger(__name__)
# Hop-by-hop headers (RFC 9110 7.6.1) and the framing the server recomputes.
_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
}


class AwsFront:
    """Serves on host:port; :meth:`stop` releases the port."""

    def __init__(self, api: LambdaApi, *, emulator_url: str, host: str, port: int) -> None:
        self.api = api
        self.emulator_url = emulator_url.rstrip("/")
        self._pool = urllib3.PoolManager(maxsize=16, retries=False, timeout=urllib3.Timeout(60))
        try:
            self._server: BaseWSGIServer = make_server(host, port, self._wsgi, threaded=True)
        except OSError as err:
            raise StartupError(f"cannot serve the AWS endpoint on {host}:{port}: {err}") from err
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="aws-front", daemon=True
        )

    @property
    def endpoint_url(self) -> str:
        return f"http://{self._server.host}:{self._server.port}"

    def start(self) -> AwsFront:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._pool.clear()

    def forward(self, request: HttpRequest) -> HttpResponse:
        """The request, unchanged, to moto_server; its answer."""
        headers = {k: v for k, v in request.headers if k.lower() not in _HOP}
        answer = self._pool.request(
            request.method,
            self.emulator_url + request.raw_target,
            body=request.body,
            headers=headers,
            redirect=False,
            preload_content=True,
        )
        out = [(k, v) for k, v in answer.headers.items() if k.lower() not in _HOP]
        return HttpResponse(answer.status, out, answer.data)

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        incoming = Request(environ)
        target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or incoming.full_path
        if not incoming.query_string and target.endswith("?"):
            target = target[:-1]
        request = HttpRequest(
            method=incoming.method,
            raw_target=target,
            headers=list(incoming.headers.items()),
            body=incoming.get_data(),
            source_ip=incoming.remote_addr or "127.0.0.1",
        )
        try:
            answer = self.api.handle(request, self.forward) or self.forward(request)
        except urllib3.exceptions.HTTPError as err:
            log.warning("moto_server did not answer %s %s: %s", request.method, target, err)
            answer = HttpResponse(502, [("Content-Type", "text/plain")], b"emulator unavailable")
        response = Response(answer.body, status=answer.status, headers=answer.headers)
        return response(environ, start_response)
