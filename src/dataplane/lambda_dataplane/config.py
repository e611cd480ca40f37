"""What the data plane runs (FunctionConfig) and what an invocation returns (InvocationResult)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: 6 MB each way for
# synchronous invocations. Lambda's own error text names 6291556 bytes for responses.
MAX_REQUEST_BYTES = 6 * 1024 * 1024
MAX_RESPONSE_BYTES = 6_291_556

# Well-known local values, not secrets: the emulators accept any key. Override with flags.
DEV_ACCESS_KEY_ID = "AKIDEVSTACKLOCAL0001"
DEV_SECRET_ACCESS_KEY = "devstack-local-secret-not-a-secret"  # noqa: S105


@dataclass(frozen=True)
class FunctionConfig:
    """One function as its control plane describes it (GetFunctionConfiguration)."""

    name: str
    arn: str
    command: tuple[str, ...]  # ImageConfig.Command, e.g. ("pkg.module.handler",)
    image_uri: str | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    timeout_seconds: int = 3
    memory_mb: int = 128
    # ReservedConcurrentExecutions (GetFunction's Concurrency); None: no reservation, no cap.
    reserved_concurrency: int | None = None

    @property
    def handler(self) -> str:
        """The handler string awslambdaric gets (_HANDLER), the first Command element."""
        return self.command[0] if self.command else ""


@dataclass(frozen=True)
class InvocationResult:
    """The outcome of one synchronous invocation, as Lambda's Invoke API reports it."""

    request_id: str
    payload: bytes
    function_error: str | None  # None, or "Unhandled" (the X-Amz-Function-Error header)
    duration_ms: float


class Invoker(Protocol):
    """Anything that runs a function synchronously (FunctionRuntime, or a fake in tests)."""

    def invoke(self, payload: bytes, *, timeout: float | None = None) -> InvocationResult: ...
