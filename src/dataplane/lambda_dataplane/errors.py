"""Exceptions of the local Lambda data plane: one root, builtin mixins."""

from __future__ import annotations


class DataplaneError(Exception):
    """Root of every error the data plane raises on purpose."""


class LaunchError(DataplaneError, RuntimeError):
    """An execution environment could not be started (bad launcher, missing docker...)."""


class RuntimeStoppedError(DataplaneError, RuntimeError):
    """invoke() was called on a FunctionRuntime that is not started."""


class InvocationTooLargeError(DataplaneError, ValueError):
    """The invocation payload exceeds Lambda's 6 MB synchronous request limit."""


class SignatureError(DataplaneError, PermissionError):
    """A request's SigV4 signature is missing, malformed, expired or does not match."""


class MalformedBodyError(DataplaneError, ValueError):
    """An HTTP request body whose framing (Content-Length, chunked encoding) is invalid."""


class UnknownKeyError(SignatureError):
    """The access key is not one this stack knows (AWS: UnrecognizedClientException)."""


class SignatureMismatchError(SignatureError):
    """The signature differs from ours; carries what we signed, for a user to diff locally."""

    def __init__(self, message: str, *, canonical_request: str, string_to_sign: str) -> None:
        super().__init__(message)
        self.canonical_request = canonical_request
        self.string_to_sign = string_to_sign


class PortInUseError(DataplaneError, OSError):
    """A server cannot listen on its address (the port is taken, or not ours to use)."""


class ThrottledError(DataplaneError, RuntimeError):
    """The function's reserved concurrency is in use: Lambda's TooManyRequestsException."""

    reason = "ReservedFunctionConcurrentInvocationLimitExceeded"
