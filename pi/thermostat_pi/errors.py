"""One exception root for the Pi client, with builtin mixins so callers can catch either."""

from __future__ import annotations


class ThermostatPiError(Exception):
    """Root of every error this package raises on purpose."""


class ConfigError(ThermostatPiError, ValueError):
    """The configuration file or environment is missing, unreadable or invalid."""


class SensorError(ThermostatPiError, OSError):
    """The temperature sensor gave no trustworthy value after every retry."""


class SpoolError(ThermostatPiError, RuntimeError):
    """The local spool database cannot be used (disk full, read-only, gone)."""


class SpoolCorrupt(SpoolError):
    """The spool file is not an intact SQLite database: it is moved aside, never deleted."""


class RelayError(ThermostatPiError, OSError):
    """The relay's GPIO pin cannot be claimed (wrong pin, no GPIO library, in use)."""


class TransportError(ThermostatPiError, ConnectionError):
    """A request got no usable answer: network error, deadline passed, reply too large."""


class SettingsFileDamaged(ThermostatPiError, ValueError):
    """The saved device settings are not readable settings: moved aside, never deleted."""
