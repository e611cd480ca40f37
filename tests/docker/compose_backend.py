"""E2E_BACKEND=localstack: the scenarios against `docker compose` (LocalStack + data plane).

testcontainers' compose support runs `docker compose up --build` on the project's own
docker-compose.yml, unchanged, with an env file of the test's own: a project name, a free port
for the Function URL and a state folder under the test's tmp dir (so a person's `make up` in
the same checkout is not touched). LocalStack is localstack/localstack:4.14.0, the official
image or the stand-in `make localstack-image` builds; it listens on 127.0.0.1:4566 (host
network), which must be free. With LOCALSTACK_AUTH_TOKEN set, the `dataplane` profile stays
off and LocalStack runs the images (not run here: that needs LocalStack's paid tier).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from testcontainers.compose import DockerCompose

from tests.docker.harness import PREFIX, ROOT, TAG, E2EFailure, Stack, docker
from tests.support.moto import free_port
from thermostat.endpoints import Endpoints

GATEWAY = "http://127.0.0.1:4566"
PROJECT = "thermostat-e2e"
# First `up` builds three images and starts LocalStack: about a minute here; generous for CI.
STARTUP_SECONDS = 600


def accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def init_report() -> dict[str, Any] | None:
    """LocalStack's init scripts and their states (GET /_localstack/init/ready), or None."""
    try:
        with urllib.request.urlopen(f"{GATEWAY}/_localstack/init/ready", timeout=5) as answer:
            report: dict[str, Any] = json.loads(answer.read())
            return report
    except (OSError, ValueError):
        return None


def failed_scripts(report: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [s for s in (report or {}).get("scripts", []) if s.get("state") == "ERROR"]


@dataclass
class ComposeStack(Stack):
    """The Stack of the scenarios, plus what only the compose backend has."""

    compose: DockerCompose | None = None
    endpoints_file: Path | None = None

    def compose_run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`docker compose <args>` on the running project (the same files, env and profiles)."""
        assert self.compose is not None
        return subprocess.run(
            [*self.compose.compose_command_property, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def _env_file(workdir: Path, state: Path, url_port: int) -> Path:
    values = {
        "COMPOSE_PROJECT_NAME": PROJECT,
        "IMAGE_PREFIX": PREFIX,
        "IMAGE_TAG": TAG,
        "BASE_IMAGE": os.environ.get("BASE_IMAGE", "python:3.13-slim"),
        "DATAPLANE_URL_PORT": str(url_port),
        "LOCALSTACK_STATE_DIR": str(state),
    }
    path = workdir / "compose.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return path


def _up(compose: DockerCompose, outcome: dict[str, BaseException]) -> None:
    try:
        compose.start()
    except BaseException as err:  # noqa: BLE001  (reported by the waiting thread)
        outcome["error"] = err


def _wait_until_deployed(
    compose: DockerCompose, starter: threading.Thread, outcome: dict[str, Any], endpoints: Path
) -> Endpoints:
    """The endpoints file once the hook wrote it and `up` returned; fails fast on ERROR."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        report = init_report()
        if failed_scripts(report):
            raise E2EFailure(f"a LocalStack init script failed: {report}\n{_logs(compose)}")
        if "error" in outcome:
            err = outcome["error"]
            detail = getattr(err, "stderr", b"") or b""
            raise E2EFailure(f"docker compose up failed: {err}\n{detail.decode(errors='replace')}")
        if not starter.is_alive() and endpoints.exists() and endpoints.read_text():
            return Endpoints.read(endpoints)
        if time.monotonic() > deadline:
            raise E2EFailure(f"no {endpoints} after {STARTUP_SECONDS}s:\n{_logs(compose)}")
        time.sleep(1)


def _logs(compose: DockerCompose) -> str:
    try:
        stdout, stderr = compose.get_logs()
    except subprocess.CalledProcessError as err:
        return f"(no logs: {err})"
    return "\n".join((stdout + stderr).splitlines()[-150:])


def _leftover_function_containers(stack_name: str) -> list[str]:
    found = docker("ps", "-aq", "--filter", f"name=lambda-{stack_name}-").stdout.split()
    if found:
        docker("rm", "--force", *found, check=False)
    return found


@contextmanager
def compose_stack(workdir: Path) -> Iterator[ComposeStack]:
    """`docker compose up --build`, the stack's endpoints.json, the URL answering; then `down`."""
    if accepts("127.0.0.1", 4566):
        raise E2EFailure(
            "127.0.0.1:4566 is already in use (make dev's moto_server? a `make up` stack?):"
            " LocalStack listens there with host networking; stop that first"
        )
    state = workdir / "localstack-state"
    state.mkdir()
    endpoints_file = state / "endpoints.json"
    url_port = free_port()
    profiles = [] if os.environ.get("LOCALSTACK_AUTH_TOKEN") else ["dataplane"]
    # No `up --wait`: the one-shot image-check services exit by design.
    compose = DockerCompose(
        ROOT,
        build=True,
        wait=False,
        profiles=profiles,
        env_file=str(_env_file(workdir, state, url_port)),
    )
    outcome: dict[str, Any] = {}
    starter = threading.Thread(target=_up, args=(compose, outcome), daemon=True)
    starter.start()
    stack_name = ""
    try:
        endpoints = _wait_until_deployed(compose, starter, outcome, endpoints_file)
        stack_name = endpoints.stack_name
        url = urllib.parse.urlsplit(endpoints.ingest_url)
        deadline = time.monotonic() + 60
        while not accepts(url.hostname or "127.0.0.1", url.port or 80):
            if time.monotonic() > deadline:
                raise E2EFailure(f"{endpoints.ingest_url} does not answer:\n{_logs(compose)}")
            time.sleep(0.5)
        yield ComposeStack(
            endpoints,
            logs=lambda: _logs(compose),
            compose=compose,
            endpoints_file=endpoints_file,
        )
    finally:
        compose.stop(down=True)  # also ends an `up` still waiting on an unhealthy LocalStack
        starter.join(timeout=120)
        leftovers = _leftover_function_containers(stack_name) if stack_name else []
    if leftovers:
        raise E2EFailure(f"the data plane left function containers running: {leftovers}")
