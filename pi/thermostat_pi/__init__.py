"""Raspberry Pi thermostat client: sensor, relay control loop, durable spool, uploader."""

__version__ = "0.1.0"
