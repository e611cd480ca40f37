"""Exceptions of ``make dev``: one root, builtin mixins."""

from __future__ import annotations


class DevstackError(Exception):
    """Root of every error ``thermostat-devstack`` raises on purpose."""


class StartupError(DevstackError, RuntimeError):
    """A process or the stack did not come up in time."""


class DeployError(DevstackError, RuntimeError):
    """CloudFormation on the emulator did not reach CREATE_COMPLETE."""
