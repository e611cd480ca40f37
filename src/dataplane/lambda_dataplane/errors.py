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


class PortInUseError(DataplaneError, OSError):
    """A server cannot listen on its address (the port is taken, or not ours to use)."""
