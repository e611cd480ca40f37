"""Where readings go and the keys that sign them: resolved when needed, re-read when changed.

Precedence, highest first: ``[endpoint]`` values in the config file or their
``THERMOSTAT_PI_ENDPOINT_*`` variables; ``keys_file`` (the keys); ``endpoints_file``
(``make dev``'s ``.devstack/endpoints.json``: url, auth, region, keys); the standard
``AWS_*`` variables. ``thermostat-pi status`` never resolves it: it needs no keys.

The keys file is read by this process, not by systemd, so its mode can be checked: a key
that every local user can read is refused with one line, before anything is sent.
"""

from __future__ import annotations

import logging
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thermostat.endpoints import Endpoints, EndpointsFileError
from thermostat_pi.errors import ConfigError

log = logging.getLogger(__name__)
AUTH_TYPES = ("AWS_IAM", "NONE")
KEY_NAMES = ("access_key_id", "secret_access_key", "session_token")


@dataclass(frozen=True)
class Endpoint:
    url: str
    auth: str
    region: str
    access_key_id: str | None
    secret_access_key: str | None
    session_token: str | None

    def __repr__(self) -> str:  # keeps the secret out of logs and tracebacks
        return f"Endpoint(url={self.url!r}, auth={self.auth!r}, region={self.region!r})"


def check_private(path: Path) -> None:
    """Refuse a keys file that others may read, or that group or others may change."""
    try:
        info = path.stat()
    except OSError as err:
        raise ConfigError(f"keys_file {path}: {err.strerror or err}") from err
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"keys_file {path} is not a regular file")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o027:
        what = "readable by others" if mode & 0o004 else "open to others"
        raise ConfigError(
            f"keys_file {path} is {what} (mode {mode:04o}): run chmod 600 {path}"
            " (or 640 with the service's group) and start again"
        )


def read_keys_file(path: Path) -> dict[str, str]:
    """``access_key_id``, ``secret_access_key`` and optionally ``session_token`` (TOML)."""
    check_private(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"keys_file {path}: {err}") from err
    unknown = sorted(set(raw) - set(KEY_NAMES))
    if unknown:
        raise ConfigError(f"keys_file {path}: unknown key(s) {', '.join(unknown)}")
    if not all(isinstance(value, str) for value in raw.values()):
        raise ConfigError(f"keys_file {path}: every key must be a string")
    return dict(raw)


def _read_endpoints_file(path: Path) -> dict[str, Any]:
    """The [endpoint] values a local stack's endpoints.json supplies: the device's own keys
    when the stack made a device identity, else the stack's admin keys."""
    try:
        stack = Endpoints.read(path)
    except EndpointsFileError as err:
        raise ConfigError(f"endpoints_file {err}") from err
    device = bool(stack.device_access_key_id and stack.device_secret_access_key)
    return {
        "url": stack.ingest_url,
        "auth": stack.auth_type.upper(),
        "region": stack.region,
        "access_key_id": stack.device_access_key_id if device else stack.access_key_id,
        "secret_access_key": stack.device_secret_access_key if device else stack.secret_access_key,
    }


def _stamp(path: Path | None) -> tuple[int, int, int] | None:
    if path is None:
        return None
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


@dataclass(frozen=True)
class EndpointSource:
    """The unresolved endpoint: values from the config and environment, and the files."""

    values: Mapping[str, Any] = field(repr=False)  # may hold the secret key
    endpoints_file: Path | None = None
    keys_file: Path | None = None
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    def stamp(self) -> tuple[object, ...]:
        """Changes whenever one of the files is replaced or edited (cheap: two stat calls)."""
        return (_stamp(self.endpoints_file), _stamp(self.keys_file))

    def resolve(self) -> Endpoint:
        """Read the files and check the result; :class:`ConfigError` names what is wrong."""
        ep = dict(self.values)
        layers: list[dict[str, Any]] = []
        if self.keys_file is not None:
            layers.append(read_keys_file(self.keys_file))
        if self.endpoints_file is not None:
            layers.append(_read_endpoints_file(self.endpoints_file))
        layers.append({k: self.environ.get(f"AWS_{k.upper()}") for k in KEY_NAMES})
        layers.append({"region": self.environ.get("AWS_REGION")})
        for layer in layers:
            for key, value in layer.items():
                if ep.get(key) is None and value:
                    ep[key] = value
        ep["auth"] = ep.get("auth") or "AWS_IAM"  # the template's default FunctionUrlAuthType
        url = ep.get("url")
        if not url:
            raise ConfigError("[endpoint] url is required (or an endpoints_file that has one)")
        if not str(url).startswith(("http://", "https://")):
            raise ConfigError(f"[endpoint] url {url!r} must start with http:// or https://")
        if ep["auth"] not in AUTH_TYPES:
            raise ConfigError(f"[endpoint] auth must be one of {', '.join(AUTH_TYPES)}")
        if ep["auth"] == "AWS_IAM":
            missing = [k for k in ("region", "access_key_id", "secret_access_key") if not ep.get(k)]
            if missing:
                raise ConfigError(f"[endpoint] auth AWS_IAM needs {', '.join(missing)}")
        return Endpoint(
            url=str(url),
            auth=ep["auth"],
            region=ep.get("region") or "us-east-1",
            access_key_id=ep.get("access_key_id"),
            secret_access_key=ep.get("secret_access_key"),
            session_token=ep.get("session_token"),
        )


class EndpointWatcher:
    """Re-reads the endpoint when its files change: ``make dev`` restarted on another port
    or with other keys reaches a running Pi without a restart."""

    def __init__(self, source: EndpointSource, current: Endpoint) -> None:
        self.source = source
        self.current = current
        self._stamp = source.stamp()

    def poll(self) -> Endpoint | None:
        """The new endpoint if the files changed to something usable and different."""
        stamp = self.source.stamp()
        if stamp == self._stamp:
            return None
        self._stamp = stamp
        try:
            endpoint = self.source.resolve()
        except ConfigError as err:
            log.warning("endpoint files changed, not usable; keeping %s: %s", self.current, err)
            return None
        if endpoint == self.current:
            return None
        log.warning("endpoint changed: now %s", endpoint)
        self.current = endpoint
        return endpoint
