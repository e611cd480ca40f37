"""The shell scripts `make test-e2e` relies on: the engine and the base image."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests.docker.harness import ROOT, docker

pytestmark = pytest.mark.docker
SCRIPTS = ROOT / "scripts"


def script(name: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPTS / name), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_engine_status_succeeds_when_an_engine_answers(engine: None) -> None:
    """`docker-engine.sh status` exits 0 while the engine answers."""
    assert script("docker-engine.sh", "status").returncode == 0


def test_engine_start_leaves_an_answering_engine_alone(engine: None, tmp_path: Path) -> None:
    """`start` with an engine already up starts nothing and records no pid to stop later."""
    done = script("docker-engine.sh", "start", DOCKER_ENGINE_STATE=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "already answers" in done.stderr
    assert not (tmp_path / "dockerd.pid").exists()


def test_engine_stop_without_a_started_engine_does_nothing(engine: None, tmp_path: Path) -> None:
    """`stop` with no pid of its own leaves the running engine up."""
    done = script("docker-engine.sh", "stop", DOCKER_ENGINE_STATE=str(tmp_path))
    assert done.returncode == 0
    assert "no dockerd started by this script" in done.stderr
    assert docker("info", check=False).returncode == 0


def test_engine_script_rejects_an_unknown_command() -> None:
    """An unknown subcommand prints the usage and exits 2."""
    done = script("docker-engine.sh", "restart")
    assert done.returncode == 2
    assert "usage:" in done.stderr


def test_base_image_is_the_default_when_present(images: tuple[str, str]) -> None:
    """A default base image that is present is used as is: nothing pulled or built."""
    done = script("stand-in-base-image.sh", DEFAULT_BASE_IMAGE=images[0])
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{images[0]}\n"
    assert done.stderr == ""


def test_base_image_falls_back_to_an_existing_stand_in(images: tuple[str, str]) -> None:
    """A default that cannot be pulled falls back to the stand-in, reused when it exists."""
    done = script(
        "stand-in-base-image.sh",
        DEFAULT_BASE_IMAGE="127.0.0.1:9/no-such/image:1",
        STAND_IN_IMAGE=images[0],
        PULL_TIMEOUT="30",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{images[0]}\n"
    assert "cannot be pulled here; using a stand-in" in done.stderr


def test_localstack_image_already_here_is_left_as_it_is(engine: None) -> None:
    """`localstack-image.sh` with localstack/localstack:4.14.0 present builds and pulls nothing."""
    if docker("image", "inspect", "localstack/localstack:4.14.0", check=False).returncode != 0:
        pytest.fail("localstack/localstack:4.14.0 is missing: make test-e2e makes it first")
    done = script("localstack-image.sh")
    assert done.returncode == 0, done.stderr
    assert "localstack/localstack:4.14.0 is already here" in done.stderr


def test_localstack_image_of_another_version_is_left_to_compose(engine: None) -> None:
    """Only 4.14.0 has a stand-in: another LOCALSTACK_VERSION is pulled by compose itself."""
    done = script("localstack-image.sh", LOCALSTACK_VERSION="4.13.1")
    assert done.returncode == 0, done.stderr
    assert "no stand-in for it" in done.stderr


def test_localstack_image_without_an_engine_says_start_one(tmp_path: Path) -> None:
    """No engine answering: exit 1 and say how to start one."""
    done = script("localstack-image.sh", DOCKER_HOST=f"unix://{tmp_path}/no-engine.sock")
    assert done.returncode == 1
    assert "no Docker engine answers" in done.stderr


def test_compose_v2_present_is_left_alone(engine: None) -> None:
    """`compose-v2.sh` with `docker compose` answering installs nothing and says nothing."""
    done = script("compose-v2.sh")
    assert (done.returncode, done.stderr) == (0, "")


def test_make_up_refuses_a_port_that_is_taken(engine: None, tmp_path: Path) -> None:
    """A port LocalStack or the data plane needs is in use: exit 1 naming it, nothing started."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = script(
            "compose-up.sh",
            DATAPLANE_URL_PORT=str(port),
            COMPOSE_PROJECT_NAME="thermostat-port-check",
            LOCALSTACK_STATE_DIR=str(tmp_path / "state"),
        )
    assert done.returncode == 1
    busy = 4566 if "127.0.0.1:4566 is already in use" in done.stderr else port
    assert f"127.0.0.1:{busy} is already in use" in done.stderr
    assert not (tmp_path / "state").exists()
