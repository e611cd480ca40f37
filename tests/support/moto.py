"""A real moto_server process on 127.0.0.1 for tests: the devstack's, plus test conveniences."""

from __future__ import annotations

import contextlib
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from devstack import moto as devstack_moto
from devstack.moto import free_port

__all__ = [
    "DEV_ACCESS_KEY",
    "DEV_SECRET_KEY",
    "REGION",
    "MotoServer",
    "free_port",
    "running_moto_server",
]

DEV_ACCESS_KEY = "AKIDTESTLOCAL0000001"
DEV_SECRET_KEY = "test-secret-not-a-real-key"
REGION = "us-east-1"


class MotoServer(devstack_moto.MotoServer):
    def reset(self) -> None:
        """Forget every resource: each test starts from an empty emulator."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": DEV_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": DEV_SECRET_KEY,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
        }

    def point_at(self, patch: pytest.MonkeyPatch) -> None:
        """This process's AWS settings (endpoint, keys, region) to this server; no profile."""
        for name, value in self.env().items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)

    def client(self, service: str) -> Any:
        """A boto3 client for this server, with the dev keys and region (whatever this
        process's AWS settings say)."""
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=DEV_ACCESS_KEY,
            aws_secret_access_key=DEV_SECRET_KEY,
        )


@contextlib.contextmanager
def running_moto_server(log_path: Path | None = None) -> Iterator[MotoServer]:
    server = MotoServer(log_path=log_path)
    server.start(timeout=30)
    try:
        yield server
    finally:
        server.stop()
