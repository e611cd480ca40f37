"""Fixtures of the Docker end-to-end tests (`make test-e2e`): an engine, the images, a stack.

E2E_BACKEND=moto (default): moto_server + the data plane running the images with Docker
(`pytest -m docker`). E2E_BACKEND=localstack: `docker compose` (LocalStack + the data plane
service) via testcontainers, started once for the session (`pytest -m localstack`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.docker.harness import INGEST_IMAGE, STREAM_IMAGE, Stack, docker, moto_docker_stack
from tests.docker.registry import Registry, running_registry
from tests.support.moto import MotoServer, running_moto_server

BACKEND = os.environ.get("E2E_BACKEND", "moto")


@pytest.fixture(scope="session")
def engine() -> None:
    """A Docker engine that answers; `make test-e2e` starts one, so its absence is a failure."""
    if shutil.which("docker") is None or docker("info", check=False).returncode != 0:
        pytest.fail("no Docker engine answers: run `make test-e2e` (it starts one)")


@pytest.fixture(scope="session")
def images(engine: None) -> tuple[str, str]:
    """The two function images, built by `make images`."""
    for image in (INGEST_IMAGE, STREAM_IMAGE):
        if docker("image", "inspect", image, check=False).returncode != 0:
            pytest.fail(f"image {image} is missing: run `make images` first")
    return INGEST_IMAGE, STREAM_IMAGE


@pytest.fixture(scope="session")
def compose(images: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The compose stack on LocalStack, up once for all the LocalStack scenarios."""
    if BACKEND != "localstack":
        pytest.fail("the LocalStack scenarios run with E2E_BACKEND=localstack (make test-e2e)")
    from tests.docker.compose_backend import compose_stack

    with compose_stack(tmp_path_factory.mktemp("compose")) as running:
        yield running


@pytest.fixture(scope="module")
def stack(
    images: tuple[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[Stack]:
    """The whole pipeline running the built images, on the selected backend."""
    workdir = tmp_path_factory.mktemp("stack")
    if BACKEND == "localstack":
        yield request.getfixturevalue("compose")
    elif BACKEND == "moto":
        with moto_docker_stack(workdir, *images) as running:
            yield running
    else:
        pytest.fail(f"E2E_BACKEND must be moto or localstack, not {BACKEND!r}")


@pytest.fixture(scope="module")
def registry(images: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    with running_registry(tmp_path_factory.mktemp("registry")) as running:
        yield running
    # The pushes left local tags <registry>/<repo>:<tag>; the images themselves stay.
    tags = docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    ours = [tag for tag in tags if tag.startswith(f"{running.address}/")]
    if ours:
        docker("rmi", *ours)


@pytest.fixture(scope="module")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    with running_moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        yield server


@pytest.fixture
def moto(moto_server: MotoServer) -> MotoServer:
    """The module's moto_server, emptied for this test."""
    moto_server.reset()
    return moto_server


@pytest.fixture
def env(moto: MotoServer, registry: Registry, tmp_path: Path) -> dict[str, str]:
    """The scripts' environment: moto's AWS settings, the registry, files under tmp_path."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {
        **base,
        **moto.env(),
        "REGISTRY": registry.address,
        "DOCKER_CONFIG": str(tmp_path / "docker-config"),
        "PUSHED_IMAGES_FILE": str(tmp_path / "images.json"),
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "DEPLOY_POLL_SECONDS": "1",
    }
