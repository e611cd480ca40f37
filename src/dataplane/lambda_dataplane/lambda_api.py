"""The Lambda API for the functions the data plane runs, as AWS answers it.

``LambdaApi.handle`` answers Invoke (RequestResponse, Event, DryRun; X-Amz-Function-Error;
LogType=Tail), GetFunctionUrlConfig/ListFunctionUrlConfigs and GetEventSourceMapping/
ListEventSourceMappings, and patches the emulator's GetFunction/ListFunctions answers (image
config); it returns None for every other request, which a front forwards to the emulator.
Callers are authenticated with SigV4 and authorized by IAM like the Function URL, with the
errors of https://docs.aws.amazon.com/lambda/latest/api/CommonErrors.html.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote

from lambda_dataplane.app import DataPlane
from lambda_dataplane.concurrency import RATE_EXCEEDED
from lambda_dataplane.config import FunctionConfig
from lambda_dataplane.errors import (
    DataplaneError,
    InvocationTooLargeError,
    SignatureError,
    ThrottledError,
    UnknownKeyError,
)
from lambda_dataplane.iam import Request, evaluate
from lambda_dataplane.lambda_api_model import (
    log_tail,
    mapping_document,
    patch_function,
    url_config,
)
from lambda_dataplane.sigv4 import SigV4Verifier
from lambda_dataplane.url_auth import Caller, global_context
from lambda_dataplane.url_event import HttpRequest, HttpResponse

log = logging.getLogger(__name__)
Forward = Callable[[HttpRequest], HttpResponse]

_ROUTES = [
    ("POST", re.compile(r"^/2015-03-31/functions/([^/]+)/invocations/?$"), "invoke"),
    ("GET", re.compile(r"^/2015-03-31/functions/?$"), "list_functions"),
    ("GET", re.compile(r"^/2015-03-31/functions/([^/]+)/?$"), "get_function"),
    ("GET", re.compile(r"^/2021-10-31/functions/([^/]+)/url/?$"), "get_url"),
    ("GET", re.compile(r"^/2021-10-31/functions/([^/]+)/urls/?$"), "list_urls"),
    ("GET", re.compile(r"^/2015-03-31/event-source-mappings/?$"), "list_mappings"),
    ("GET", re.compile(r"^/2015-03-31/event-source-mappings/([^/]+)/?$"), "get_mapping"),
]
_ACTIONS = {
    "invoke": "lambda:InvokeFunction",
    "list_functions": "lambda:ListFunctions",
    "get_function": "lambda:GetFunction",
    "get_url": "lambda:GetFunctionUrlConfig",
    "list_urls": "lambda:ListFunctionUrlConfigs",
    "list_mappings": "lambda:ListEventSourceMappings",
    "get_mapping": "lambda:GetEventSourceMapping",
}


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, fields: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = dict(fields or {})  # members of the error shape (Reason, ...)

    def response(self) -> HttpResponse:
        doc = {**self.fields, "Type": "User", "Message": self.message, "message": self.message}
        body = json.dumps(doc)
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", self.code)]
        return HttpResponse(self.status, headers, body.encode())


def _json(doc: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json")], json.dumps(doc).encode())


def _forwarded(
    request: HttpRequest, forward: Forward, patch: Callable[[dict[str, Any]], None]
) -> HttpResponse:
    """The emulator's answer to ``request``, its JSON document patched with what the data plane
    knows better; an error answer passes as it is."""
    answer = forward(request)
    if answer.status != 200:
        return answer
    doc = json.loads(answer.body)
    patch(doc)
    return _json(doc)


class LambdaApi:
    """The Lambda control and invoke API over one running :class:`DataPlane`."""

    def __init__(self, plane: DataPlane) -> None:
        self.plane = plane
        self.created = datetime.now(UTC)
        self.started = round(time.time(), 3)
        plan = plane.plan
        self.verifier = SigV4Verifier(
            plane.directory.credential, region=plan.region, service="lambda"
        )

    # -- lookup ---------------------------------------------------------------------------
    def _function(self, reference: str) -> FunctionConfig | None:
        name = unquote(reference).split(":function:", 1)[-1].split(":", 1)[0]
        return self.plane.plan.functions.get(name)

    def handle(self, request: HttpRequest, forward: Forward) -> HttpResponse | None:
        """The answer for a Lambda API request about what runs here, or None (not ours)."""
        path, _, query = request.raw_target.partition("?")
        for method, pattern, name in _ROUTES:
            match = pattern.match(path) if request.method == method else None
            if match is None:
                continue
            function = (
                self._function(match.group(1)) if match.groups() and "mapping" not in name else None
            )
            if match.groups() and "mapping" not in name and function is None:
                return None  # not a function this data plane runs: the emulator answers
            if name == "get_mapping" and self._mapping(match.group(1)) is None:
                return None
            try:
                caller = self._authenticate(request)
                resource = function.arn if function else "*"
                self._authorize(caller, _ACTIONS[name], resource, request.source_ip)
                handler = getattr(self, f"_{name}")
                return handler(request, function, match, parse_qs(query), forward)  # type: ignore[no-any-return]
            except ApiError as err:
                return err.response()
        return None

    def _authenticate(self, request: HttpRequest) -> Caller:
        try:
            identity = self.verifier.verify(
                request.method, request.raw_target, request.headers, request.body
            )
        except UnknownKeyError as err:
            log.info("Lambda API: %s", err)
            raise ApiError(
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ) from err
        except SignatureError as err:
            log.info("Lambda API: %s", err)
            raise ApiError(
                403,
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided.",
            ) from err
        principal = self.plane.directory.lookup(identity.access_key)
        if principal is None:
            raise ApiError(
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        return Caller(
            principal.arn,
            principal.account_id,
            principal.user_id,
            principal.user_name,
            principal.policies,
        )

    def _authorize(self, caller: Caller, action: str, resource: str, source_ip: str) -> None:
        context = global_context(caller, source_ip=source_ip, now=datetime.now(UTC))
        decision = evaluate(
            Request(caller.arn, action, resource, context), identity_policies=caller.policies
        )
        if not decision.allowed:
            log.info("Lambda API: %s", decision.reason)
            raise ApiError(
                403,
                "AccessDeniedException",
                f"User: {caller.arn} is not authorized to perform: {action} on resource: "
                f"{resource} because no identity-based policy allows the {action} action",
            )

    # -- Invoke -------------------------------------------------------------------------------
    def _invoke(self, request: HttpRequest, function: FunctionConfig, *_: Any) -> HttpResponse:
        headers = {k.lower(): v for k, v in request.headers}
        kind = headers.get("x-amz-invocation-type", "RequestResponse")
        if kind == "DryRun":
            return HttpResponse(HTTPStatus.NO_CONTENT, [])
        runtime = self.plane.runtimes[function.name]
        payload = request.body or b"{}"
        if kind == "Event":
            threading.Thread(target=self._run_async, args=(function, payload), daemon=True).start()
            return HttpResponse(HTTPStatus.ACCEPTED, [("Content-Length", "0")])
        if kind != "RequestResponse":
            raise ApiError(400, "InvalidParameterValueException", f"Unknown InvocationType {kind}")
        with self.plane.recent_logs.capture(function.name) as lines:
            try:
                result = runtime.invoke(payload)
            except InvocationTooLargeError as err:
                raise ApiError(413, "RequestTooLargeException", str(err)) from err
            except ThrottledError as err:
                log.info("Invoke of %s throttled: %s", function.name, err)
                # https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
                raise ApiError(
                    429, "TooManyRequestsException", RATE_EXCEEDED, {"Reason": err.reason}
                ) from err
            except DataplaneError as err:
                raise ApiError(500, "ServiceException", str(err)) from err
            time.sleep(0.05)  # output lines are piped: let the last ones arrive
        out = [("Content-Type", "application/json"), ("X-Amz-Executed-Version", "$LATEST")]
        out.append(("x-amzn-RequestId", result.request_id))
        if result.function_error:
            out.append(("X-Amz-Function-Error", result.function_error))
        if headers.get("x-amz-log-type") == "Tail":
            report = (
                f"START RequestId: {result.request_id} Version: $LATEST",
                *lines,
                f"END RequestId: {result.request_id}",
                f"REPORT RequestId: {result.request_id}\tDuration: {result.duration_ms:.2f} ms",
            )
            out.append(("X-Amz-Log-Result", base64.b64encode(log_tail(list(report))).decode()))
        return HttpResponse(HTTPStatus.OK, out, result.payload)

    def _run_async(self, function: FunctionConfig, payload: bytes) -> None:
        try:
            result = self.plane.runtimes[function.name].invoke(payload)
        except DataplaneError as err:
            log.warning("async invoke of %s failed: %s", function.name, err)
            return
        if result.function_error:
            log.warning(
                "async invoke of %s: function error %s", function.name, result.payload[:500]
            )

    # -- functions ----------------------------------------------------------------------------
    def _get_function(
        self, request: HttpRequest, function: FunctionConfig, _m: Any, _q: Any, forward: Forward
    ) -> HttpResponse:
        def patch(doc: dict[str, Any]) -> None:
            patch_function(doc.setdefault("Configuration", {}), function)
            doc["Code"] = {"RepositoryType": "ECR", "ImageUri": function.image_uri or ""}

        return _forwarded(request, forward, patch)

    def _list_functions(
        self, request: HttpRequest, _f: Any, _m: Any, _q: Any, forward: Forward
    ) -> HttpResponse:
        def patch(doc: dict[str, Any]) -> None:
            for configuration in doc.get("Functions", []):
                function = self.plane.plan.functions.get(configuration.get("FunctionName", ""))
                if function is not None:
                    patch_function(configuration, function)

        return _forwarded(request, forward, patch)

    # -- Function URLs ------------------------------------------------------------------------
    def _url_configs(self, function: FunctionConfig) -> list[dict[str, Any]]:
        return [
            url_config(spec, self.plane.url_servers[spec.logical_id].url, self.created)
            for spec in self.plane.plan.urls
            if spec.function.name == function.name and spec.logical_id in self.plane.url_servers
        ]

    def _get_url(self, _r: Any, function: FunctionConfig, *_: Any) -> HttpResponse:
        configs = self._url_configs(function)
        if not configs:
            raise ApiError(
                404, "ResourceNotFoundException", "The resource you requested does not exist."
            )
        return _json(configs[0])

    def _list_urls(self, _r: Any, function: FunctionConfig, *_: Any) -> HttpResponse:
        return _json({"FunctionUrlConfigs": self._url_configs(function)})

    # -- event source mappings ----------------------------------------------------------------
    def _documents(self) -> list[dict[str, Any]]:
        plan = self.plane.plan
        return [
            mapping_document(
                spec,
                self.plane.mappings.get(spec.logical_id),
                stack_name=plan.stack_name,
                started=self.started,
            )
            for spec in plan.mappings
        ]

    def _mapping(self, reference: str) -> dict[str, Any] | None:
        return next((d for d in self._documents() if d["UUID"] == unquote(reference)), None)

    def _get_mapping(self, _r: Any, _f: Any, match: re.Match[str], *_: Any) -> HttpResponse:
        return _json(self._mapping(match.group(1)))

    def _list_mappings(
        self, _r: Any, _f: Any, _m: Any, query: dict[str, list[str]], forward: Forward
    ) -> HttpResponse:
        docs = self._documents()
        if "FunctionName" in query:
            function = self._function(query["FunctionName"][0])
            docs = [d for d in docs if function is not None and d["FunctionArn"] == function.arn]
        if "EventSourceArn" in query:
            docs = [d for d in docs if d["EventSourceArn"] == query["EventSourceArn"][0]]
        return _json({"EventSourceMappings": docs})
