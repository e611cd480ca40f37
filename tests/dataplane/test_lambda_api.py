"""LambdaApi over a real function environment: Invoke's wire contract, auth errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from lambda_dataplane import FunctionRuntime
from lambda_dataplane.app import AwsEndpoint, DataPlane, DataPlaneOptions
from lambda_dataplane.lambda_api import LambdaApi
from lambda_dataplane.stack import StackPlan
from lambda_dataplane.url_event import HttpRequest, HttpResponse

KEY, SECRET = "AKIDADMIN00000000001", "admin-secret"


def signed(
    path: str, body: bytes, key: str = KEY, secret: str = SECRET, **headers: str
) -> HttpRequest:
    request = AWSRequest(
        "POST", f"http://127.0.0.1:9/{path.lstrip('/')}", data=body, headers=headers
    )
    SigV4Auth(Credentials(key, secret), "lambda", "us-east-1").add_auth(request)
    sent = [("Host", "127.0.0.1:9"), *request.headers.items()]  # botocore signs it, never sets it
    return HttpRequest("POST", "/" + path.lstrip("/"), sent, body, "127.0.0.1")


def not_forwarded(request: HttpRequest) -> HttpResponse:
    raise AssertionError("forwarded")


@pytest.fixture
def api(make_runtime: Callable[..., FunctionRuntime]) -> LambdaApi:
    runtime = make_runtime("functions.fail", name="failing")
    plan = StackPlan("s", {}, {}, {"failing": runtime.config}, (), ())
    aws = AwsEndpoint("http://127.0.0.1:9", "us-east-1", KEY, SECRET)
    plane = DataPlane(plan, aws, DataPlaneOptions(emulator_iam="none"))
    plane.runtimes["failing"] = runtime
    return LambdaApi(plane)


def header(response: HttpResponse, name: str) -> Any:
    return next((v for k, v in response.headers if k.lower() == name.lower()), None)


def test_function_error_sets_x_amz_function_error(api: LambdaApi) -> None:
    """A handler that raises: 200, X-Amz-Function-Error: Unhandled, Lambda's error JSON."""
    answer = api.handle(signed("/2015-03-31/functions/failing/invocations", b"{}"), not_forwarded)
    assert answer is not None and answer.status == 200
    assert header(answer, "X-Amz-Function-Error") == "Unhandled"
    assert "errorMessage" in json.loads(answer.body)


def test_unknown_key_is_unrecognized_client(api: LambdaApi) -> None:
    """A key the stack does not know: 403 UnrecognizedClientException, as Lambda answers."""
    request = signed(
        "/2015-03-31/functions/failing/invocations", b"{}", key="AKIDNOBODY", secret="x"
    )
    answer = api.handle(request, not_forwarded)
    assert answer is not None and answer.status == 403
    assert header(answer, "x-amzn-ErrorType") == "UnrecognizedClientException"


def test_bad_signature_is_invalid_signature(api: LambdaApi) -> None:
    """The admin key with a wrong secret: 403 InvalidSignatureException."""
    request = signed("/2015-03-31/functions/failing/invocations", b"{}", secret="wrong")
    answer = api.handle(request, not_forwarded)
    assert answer is not None and header(answer, "x-amzn-ErrorType") == "InvalidSignatureException"


def test_other_functions_go_to_the_emulator(api: LambdaApi) -> None:
    """A function this data plane does not run is not answered here (the front forwards it)."""
    assert (
        api.handle(signed("/2015-03-31/functions/other/invocations", b"{}"), not_forwarded) is None
    )
