"""Function URL ingress: an HTTP server that turns requests into payload 2.0 invocations.

AWS_IAM auth verifies SigV4 against the given credentials (403 {"Message":"Forbidden"} like
AWS). With a ``guard`` (url_guard.UrlGuard) both URL actions are then authorized by IAM, for
the signer (AWS_IAM) or an anonymous caller (NONE: the resource-based policy alone decides).
https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Literal

from lambda_dataplane.concurrency import RATE_EXCEEDED
from lambda_dataplane.config import Invoker
from lambda_dataplane.errors import (
    DataplaneError,
    InvocationTooLargeError,
    SignatureError,
    ThrottledError,
)
from lambda_dataplane.http_server import HttpLimits, HttpServer
from lambda_dataplane.invocation import new_trace_id
from lambda_dataplane.sigv4 import Credential, Identity, SigV4Verifier
from lambda_dataplane.url_event import HttpRequest, HttpResponse, build_event, map_response
from lambda_dataplane.url_guard import (
    UrlEvent,
    UrlGuard,
    UrlObserver,
    explain_function_reply,
    explain_signature,
)

log = logging.getLogger(__name__)
AuthType = Literal["AWS_IAM", "NONE"]


def _message(status: HTTPStatus, text: str) -> HttpResponse:
    body = json.dumps({"Message": text}).encode()
    return HttpResponse(status, [("Content-Type", "application/json")], body)


class FunctionUrlServer:
    """Serves one function's URL on host:port (port 0: any free port; see .url).

    invoker: the function (a FunctionRuntime). auth_type: "AWS_IAM" or "NONE".
    credentials: access key id -> Credential (AWS_IAM only). region: the SigV4 scope region.
    account_id: requestContext.accountId when auth is NONE (AWS shows "anonymous").
    guard: IAM authorization after the signature (None: signature only). Its directory also
    supplies the signing keys. observer: told why a request was refused and of 4xx replies.
    limits: the transport's deadlines, connection cap and sizes (http_server.HttpLimits).
    Raises PortInUseError if host:port cannot be had.
    """

    def __init__(
        self,
        invoker: Invoker,
        *,
        auth_type: AuthType,
        credentials: Mapping[str, Credential] | None = None,
        region: str,
        host: str = "127.0.0.1",
        port: int = 0,
        account_id: str = "anonymous",
        guard: UrlGuard | None = None,
        observer: UrlObserver | None = None,
        limits: HttpLimits | None = None,
    ) -> None:
        if auth_type not in ("AWS_IAM", "NONE"):
            raise ValueError(f"auth_type must be AWS_IAM or NONE, not {auth_type!r}")
        self.invoker = invoker
        self.auth_type = auth_type
        self.account_id = account_id
        self.guard, self.observer = guard, observer
        self.region = region
        # A URL id shaped like AWS's (32 lowercase letters and digits), stable per function.
        seed = guard.function_arn if guard is not None else str(id(invoker))
        self.url_id = hashlib.sha256(seed.encode()).hexdigest()[:32]
        lookup = guard.directory.credential if guard is not None and not credentials else None
        self.verifier = SigV4Verifier(lookup or credentials or {}, region=region, service="lambda")
        self._httpd = HttpServer(
            self.handle,
            host=host,
            port=port,
            limits=limits,
            server_header="lambda-dataplane-function-url",
        )

    @property
    def url(self) -> str:
        """http://host:port/ of this function URL."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> None:
        """Serve in background threads."""
        self._httpd.start()

    def stop(self, grace: float = 30.0) -> None:
        """Refuse new connections at once, let requests in flight finish (up to `grace`
        seconds, answered with `Connection: close`), close idle ones, release the port."""
        self._httpd.stop(grace)

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Authenticate, invoke, map the result: the whole Function URL contract."""
        request_id = str(uuid.uuid4())
        response = self._handle(request, request_id)
        response.headers.append(("x-amzn-RequestId", request_id))
        return response

    def _handle(self, request: HttpRequest, request_id: str) -> HttpResponse:
        authorizer = None
        account_id = self.account_id
        identity: Identity | None = None
        if self.auth_type == "AWS_IAM":
            try:
                identity = self.verifier.verify(
                    request.method, request.raw_target, request.headers, request.body
                )
            except SignatureError as err:
                return self._refuse(request_id, *explain_signature(err))
            authorizer, account_id = identity.authorizer_iam(), identity.account_id
        if self.guard is not None:
            decision = self.guard.authorize(identity, source_ip=request.source_ip)
            if not decision.allowed:
                return self._refuse(request_id, f"IAM: {decision.reason}", None)
        # Added by the Function URL front end after auth, as on AWS (not part of the signature).
        forwarded = [
            ("X-Forwarded-For", request.source_ip),
            ("X-Forwarded-Proto", "http"),
            ("X-Forwarded-Port", str(self._httpd.server_address[1])),
            ("X-Amzn-Trace-Id", new_trace_id().split(";", 1)[0]),
        ]
        event = build_event(
            replace(request, headers=[*request.headers, *forwarded]),
            request_id=request_id,
            account_id=account_id,
            now=datetime.now(UTC),
            authorizer_iam=authorizer,
            url_id=self.url_id,
            region=self.region,
        )
        try:
            result = self.invoker.invoke(json.dumps(event).encode())
        except InvocationTooLargeError:
            return _message(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Request Entity Too Large")
        except ThrottledError as err:
            # Over the reserved concurrency AWS answers 429 before the function runs
            # (https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html, throttling).
            # AWS documents the status, not the body or a Retry-After: callers rely on the 429.
            log.info("function URL request %s throttled: %s", request_id, err)
            if self.observer is not None:
                self.observer(
                    UrlEvent(request_id, HTTPStatus.TOO_MANY_REQUESTS, f"throttled: {err}")
                )
            return _message(HTTPStatus.TOO_MANY_REQUESTS, RATE_EXCEEDED)
        except DataplaneError:
            log.exception("function URL request %s: invocation failed")
            return _message(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")
        if result.function_error:
            log.warning(
                "function URL request %s: function error %s",
                request_id,
                result.payload[:2000].decode("utf-8", "replace"),
            )
            return _message(HTTPStatus.BAD_GATEWAY, "Internal Server Error")
        notes: list[str] = []
        try:
            response = map_response(result.payload, notes=notes)
        except ValueError as err:
            log.warning("function URL request %s: unusable function response: %s", request_id, err)
            return _message(HTTPStatus.BAD_GATEWAY, "Internal Server Error")
        for note in notes:  # mapped as AWS maps it, which may not be what the author meant
            log.warning("function URL request %s: %s", request_id, note)
        if 400 <= response.status < 500 and self.observer is not None:
            text = explain_function_reply(response.status, response.body)
            self.observer(UrlEvent(request_id, response.status, text))
        return response

    def _refuse(self, request_id: str, message: str, detail: str | None) -> HttpResponse:
        """AWS's bare 403 to the caller; the reason to the log and the observer only."""
        log.info("function URL request %s forbidden: %s", request_id, message)
        if detail:
            log.info("function URL request %s: %s", request_id, detail)
        if self.observer is not None:
            self.observer(UrlEvent(request_id, HTTPStatus.FORBIDDEN, message, detail))
        return _message(HTTPStatus.FORBIDDEN, "Forbidden")
