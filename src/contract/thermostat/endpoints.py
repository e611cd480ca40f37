"""Where a running local stack is: the typed form of ``endpoints.json``.

``make dev`` writes ``.devstack/endpoints.json`` and ``make up`` writes
``.localstack/endpoints.json``; the ``thermostat`` command, the Pi client
(``endpoints_file``), the tests and the benchmarks read them. This record is the only place
that knows the file's keys. Unknown keys are ignored when reading, so an older reader keeps
working with a newer file. Standard library only: the LocalStack init hook imports it with
nothing but boto3 around.
"""

from __future__ import annotations

import json
import os
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import Any, Self, TypedDict

DEVSTACK_FILE = Path(".devstack") / "endpoints.json"
COMPOSE_FILE = Path(".localstack") / "endpoints.json"


class ClientArgs(TypedDict):
    """Keyword arguments of ``boto3.client(service, ...)``: where the stack is, and as whom."""

    endpoint_url: str
    region_name: str
    aws_access_key_id: str
    aws_secret_access_key: str


class EndpointsFileError(ValueError):
    """The file is missing, unreadable, or lacks a required key."""


@dataclass(frozen=True)
class Endpoints:
    """One local stack: its AWS endpoint, table, Function URL and the keys to use."""

    aws_endpoint_url: str
    region: str
    ingest_url: str
    table_name: str
    # The identity for the AWS endpoint (the `thermostat` command, the AWS CLI).
    access_key_id: str
    secret_access_key: str
    stack_name: str
    auth_type: str = "AWS_IAM"
    # Who runs the function images: "dataplane" (the local data plane) or "localstack".
    functions_run_by: str = "dataplane"
    # The simulated device's own identity: an IAM user with the stack's device policy, which
    # the Function URL authorizes as AWS would. Empty when the stack made none.
    device_id: str = ""
    device_access_key_id: str = ""
    device_secret_access_key: str = ""

    def __repr__(self) -> str:  # keeps the secret out of logs and tracebacks
        return (
            f"Endpoints(aws_endpoint_url={self.aws_endpoint_url!r}, region={self.region!r},"
            f" ingest_url={self.ingest_url!r}, table_name={self.table_name!r})"
        )

    def client_args(self) -> ClientArgs:
        """``boto3.client(service, **endpoints.client_args())`` reaches the stack's AWS
        endpoint with its identity (the one the `thermostat` command and the AWS CLI use)."""
        return ClientArgs(
            endpoint_url=self.aws_endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
        )

    @classmethod
    def from_json(cls, data: Any, *, source: str = "endpoints file") -> Self:
        if not isinstance(data, dict):
            raise EndpointsFileError(f"{source}: expected a JSON object")
        known = {f.name: f for f in fields(cls)}
        values = {k: str(v) for k, v in data.items() if k in known and v is not None}
        missing = sorted(
            name for name, f in known.items() if name not in values and f.default is MISSING
        )
        if missing:
            raise EndpointsFileError(f"{source} lacks {', '.join(missing)}; is it from make dev?")
        return cls(**values)

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def read(cls, path: Path) -> Self:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise EndpointsFileError(f"cannot read {path}: {err}") from err
        return cls.from_json(data, source=str(path))

    def write(self, path: Path, *, mode: int = 0o600) -> None:
        """Replace the file atomically (readers never see half of it); 0600 as it holds keys."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        os.fchmod(fd, mode)  # whatever the umask
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(self.to_json(), out, indent=2)
            out.write("\n")
        tmp.replace(path)


def find_endpoints_file(start: Path, name: Path = DEVSTACK_FILE) -> Path | None:
    """``name`` (``.devstack/endpoints.json``) in ``start`` or the nearest parent that has one."""
    for folder in (start, *start.parents):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def find_local_stack(start: Path) -> Path | None:
    """The endpoints file of the local stack running for this checkout, if any.

    ``make dev``'s ``.devstack/endpoints.json`` first, then ``make up``'s
    ``.localstack/endpoints.json``, each in ``start`` or its nearest parent.
    """
    return find_endpoints_file(start, DEVSTACK_FILE) or find_endpoints_file(start, COMPOSE_FILE)
