"""Configuration: a TOML file, then ``THERMOSTAT_PI_*`` environment overrides.

Top-level keys override as ``THERMOSTAT_PI_<KEY>`` (``THERMOSTAT_PI_SETPOINT_C=21``);
``[endpoint]`` keys as ``THERMOSTAT_PI_ENDPOINT_<KEY>``. Relative paths are resolved against
the directory of the config file. The endpoint (url, auth, keys) is only resolved by the
commands that send (:mod:`thermostat_pi.endpoint`): ``status`` works without keys.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from thermostat.contract import DEVICE_ID_PATTERN, SETPOINT_MAX_C, SETPOINT_MIN_C
from thermostat_pi.cadence import DEFAULT_AFTER_READINGS, DEFAULT_MAX_DELAY_S, UploadCadence
from thermostat_pi.endpoint import EndpointSource
from thermostat_pi.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("/etc/thermostat-pi/config.toml")
ENV_PREFIX = "THERMOSTAT_PI_"


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    return float(value)


def _integer(value: Any) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(value)


def _pin(value: Any) -> int | str:
    # gpiozero takes a BCM number (17) or a name ("GPIO17", "BOARD11").
    text = str(value).strip()
    return int(text) if text.isdigit() else text


# key -> (converter, default); a default of ... means required.
_TOP: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "device_id": (str, ...),
    "interval_seconds": (_number, 60.0),
    "setpoint_c": (_number, 20.0),
    "hysteresis_c": (_number, 0.5),
    "min_cycle_seconds": (_number, 300.0),
    "relay_pin": (_pin, 17),
    "relay_active_high": (_bool, True),
    "sensor_id": (str, None),
    "w1_devices_dir": (str, "/sys/bus/w1/devices"),
    "spool_path": (str, "/var/lib/thermostat-pi/spool.db"),
    "spool_max_rows": (_integer, 100_000),
    "batch_size": (_integer, 100),
    # Send once this many readings are queued, or the oldest has waited this long (cadence.py).
    "upload_after_readings": (_integer, DEFAULT_AFTER_READINGS),
    "upload_max_delay_seconds": (_number, DEFAULT_MAX_DELAY_S),
    "endpoints_file": (str, None),
    # Written by the running service, read by `status`; default: beside the spool.
    "status_file": (str, None),
    # The device settings in force (from `thermostat set`); default: beside the spool.
    "settings_path": (str, None),
    "memory_buffer_rows": (_integer, 10_000),
    "spool_retry_seconds": (_number, 60.0),
    "request_deadline_seconds": (_number, 30.0),
}
_ENDPOINT: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "url": (str, None),
    "auth": (lambda v: str(v).upper(), None),
    "region": (str, None),
    "access_key_id": (str, None),
    "secret_access_key": (str, None),
    "session_token": (str, None),
    "endpoints_file": (str, None),
    "keys_file": (str, None),
}


@dataclass(frozen=True)
class Config:
    device_id: str
    interval_seconds: float
    setpoint_c: float
    hysteresis_c: float
    min_cycle_seconds: float
    relay_pin: int | str
    relay_active_high: bool
    sensor_id: str | None
    w1_devices_dir: Path
    spool_path: Path
    spool_max_rows: int
    batch_size: int
    upload_after_readings: int
    upload_max_delay_seconds: float
    status_file: Path
    settings_path: Path
    memory_buffer_rows: int
    spool_retry_seconds: float
    request_deadline_seconds: float
    endpoint_source: EndpointSource

    @property
    def upload_cadence(self) -> UploadCadence:
        return UploadCadence(self.upload_after_readings, self.upload_max_delay_seconds)


def _merge(
    section: str,
    spec: dict[str, tuple[Callable[[Any], Any], Any]],
    raw: Mapping[str, Any],
    env: Mapping[str, str],
    env_prefix: str,
) -> dict[str, Any]:
    unknown = set(raw) - set(spec)
    if unknown:
        raise ConfigError(f"unknown key(s) in {section}: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for key, (convert, default) in spec.items():
        source, value = f"{section} {key}", raw.get(key, default)
        env_name = env_prefix + key.upper()
        if env.get(env_name, "") != "":
            source, value = env_name, env[env_name]
        if value is not None and value is not ...:
            try:
                value = convert(value)
            except (TypeError, ValueError) as err:
                raise ConfigError(f"{source}: {err}") from err
        values[key] = value
    return values


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def load_config(path: Path | str, env: Mapping[str, str] | None = None) -> Config:
    """Read, merge and validate the configuration; raise :class:`ConfigError` on any problem."""
    env = os.environ if env is None else env
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError as err:
        raise ConfigError(f"config file {path} not found (see pi/config.example.toml)") from err
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"config file {path}: {err}") from err
    raw_endpoint = raw.pop("endpoint", {})
    _check(isinstance(raw_endpoint, dict), "[endpoint] must be a table")
    top = _merge("config", _TOP, raw, env, ENV_PREFIX)
    ep = _merge("[endpoint]", _ENDPOINT, raw_endpoint, env, ENV_PREFIX + "ENDPOINT_")
    base = path.parent

    endpoints_file = ep.pop("endpoints_file") or top.pop("endpoints_file")
    top.pop("endpoints_file", None)
    keys_file = ep.pop("keys_file")
    source = EndpointSource(
        values=ep,
        endpoints_file=base / endpoints_file if endpoints_file else None,
        keys_file=base / keys_file if keys_file else None,
        environ={k: v for k, v in env.items() if k.startswith("AWS_")},
    )

    _check(top["device_id"] is not ..., "device_id is required")
    _check(
        re.fullmatch(DEVICE_ID_PATTERN, top["device_id"]) is not None,
        f"device_id {top['device_id']!r} must be 1-64 letters, digits, '_.:-'",
    )
    _check(top["interval_seconds"] > 0, "interval_seconds must be greater than 0")
    _check(
        SETPOINT_MIN_C <= top["setpoint_c"] <= SETPOINT_MAX_C,
        f"setpoint_c must be within {SETPOINT_MIN_C}..{SETPOINT_MAX_C}",
    )
    _check(top["hysteresis_c"] >= 0, "hysteresis_c must not be negative")
    _check(top["min_cycle_seconds"] >= 0, "min_cycle_seconds must not be negative")
    _check(top["spool_max_rows"] >= 1, "spool_max_rows must be at least 1")
    _check(1 <= top["batch_size"] <= 500, "batch_size must be within 1..500 (the ingest limit)")
    _check(
        1 <= top["upload_after_readings"] <= top["batch_size"],
        "upload_after_readings must be within 1..batch_size",
    )
    _check(top["upload_max_delay_seconds"] >= 0, "upload_max_delay_seconds must not be negative")
    _check(top["memory_buffer_rows"] >= 1, "memory_buffer_rows must be at least 1")
    _check(top["spool_retry_seconds"] > 0, "spool_retry_seconds must be greater than 0")
    _check(top["request_deadline_seconds"] > 0, "request_deadline_seconds must be greater than 0")
    top["w1_devices_dir"] = base / top["w1_devices_dir"]
    top["spool_path"] = base / top["spool_path"]
    status_file = top["status_file"]
    top["status_file"] = (
        base / status_file if status_file else top["spool_path"].with_suffix(".status.json")
    )
    settings_path = top["settings_path"]
    top["settings_path"] = (
        base / settings_path if settings_path else top["spool_path"].with_suffix(".settings.json")
    )
    return Config(**top, endpoint_source=source)
