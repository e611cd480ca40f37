"""E2E_BACKEND=localstack: the scenarios against `docker compose` (LocalStack + data plane).

Needs a machine that can pull localstack/localstack:4.14.0 and lets LocalStack download its
parts, plus `pip install testcontainers`; it cannot run on the project's build machines.
With LOCALSTACK_AUTH_TOKEN set, the `dataplane` profile stays off and LocalStack runs the images.
"""

from __future__ import annotations

import importlib
import json
import os
import socket
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3

from tests.docker.harness import ROOT, E2EFailure, Stack

STARTUP_SECONDS = 600  # LocalStack's first start downloads DynamoDB Local and Java


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def compose_stack(workdir: Path) -> Iterator[Stack]:
    """`docker compose up --build`, the stack's endpoints.json, the URL answering; then `down`."""
    try:  # optional: only this backend needs it
        compose_module = importlib.import_module("testcontainers.compose")
    except ImportError as err:
        raise E2EFailure("E2E_BACKEND=localstack needs `pip install testcontainers`") from err
    endpoints_file = ROOT / ".localstack" / "endpoints.json"
    endpoints_file.parent.mkdir(exist_ok=True)
    endpoints_file.unlink(missing_ok=True)
    profiles = [] if os.environ.get("LOCALSTACK_AUTH_TOKEN") else ["dataplane"]
    # No `up --wait`: the one-shot image-check services exit by design.
    compose = compose_module.DockerCompose(ROOT, build=True, wait=False, profiles=profiles)

    def logs() -> str:
        stdout, stderr = compose.get_logs()
        return "\n".join((stdout + stderr).splitlines()[-120:])

    compose.start()
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not (endpoints_file.exists() and endpoints_file.read_text()):
            if time.monotonic() > deadline:
                raise E2EFailure(f"no {endpoints_file} after {STARTUP_SECONDS}s:\n{logs()}")
            time.sleep(1)
        endpoints = json.loads(endpoints_file.read_text())
        url = urllib.parse.urlsplit(endpoints["ingest_url"])
        while not _accepts(url.hostname or "127.0.0.1", url.port or 80):
            if time.monotonic() > deadline:
                raise E2EFailure(f"{endpoints['ingest_url']} does not answer:\n{logs()}")
            time.sleep(1)
        session = boto3.Session(
            aws_access_key_id=endpoints["access_key_id"],
            aws_secret_access_key=endpoints["secret_access_key"],
            region_name=endpoints["region"],
        )

        def client(name: str) -> Any:
            return session.client(name, endpoint_url=endpoints["aws_endpoint_url"])  # type: ignore[call-overload]

        yield Stack(
            url=endpoints["ingest_url"],
            table_name=endpoints["table_name"],
            region=endpoints["region"],
            access_key_id=endpoints["access_key_id"],
            secret_access_key=endpoints["secret_access_key"],
            client=client,
            logs=logs,
        )
    finally:
        compose.stop(down=True)
