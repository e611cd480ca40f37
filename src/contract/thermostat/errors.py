"""One exception root for everything the thermostat packages raise on purpose."""

from __future__ import annotations


class ThermostatError(Exception):
    """Root of every error this package raises on purpose."""


class ConfigurationError(ThermostatError, RuntimeError):
    """A function's environment is missing or has an invalid setting."""
