"""Thermostat telemetry: the reading contract, the ingest and stream functions."""

__version__ = "0.1.0"
