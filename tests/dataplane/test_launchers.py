"""How environments are launched: host processes, and the docker command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambda_dataplane import (
    DockerLauncher,
    FunctionConfig,
    FunctionRuntime,
    LaunchError,
    ProcessLauncher,
)
from lambda_dataplane.url_event import HttpRequest
from tests.dataplane.conftest import HANDLERS
from tests.dataplane.url_events import event_for_request

CONFIG = FunctionConfig(
    name="thermostat ingest",
    arn="arn:aws:lambda:us-east-1:111122223333:function:ingest",
    command=("thermostat_ingest.handler.handler",),
    image_uri="127.0.0.1:5000/ingest:dev",
)
ENV = {"AWS_SECRET_ACCESS_KEY": "s3cr3t", "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}


def test_docker_argv_runs_the_image_on_the_host_network() -> None:
    """docker create --rm --pull never --network host --name <name> -e NAME... <image> <cmd>."""
    argv = DockerLauncher().create_argv(CONFIG, ENV, "lambda-x-1")
    assert argv == [
        "docker",
        "create",
        "--rm",
        "--pull",
        "never",
        "--network",
        "host",
        "--name",
        "lambda-x-1",
        "--label",
        f"lambda-dataplane.parent-pid={os.getpid()}",
        "-e",
        "AWS_LAMBDA_RUNTIME_API",
        "-e",
        "AWS_SECRET_ACCESS_KEY",
        "127.0.0.1:5000/ingest:dev",
        "thermostat_ingest.handler.handler",
    ]


def test_docker_argv_never_carries_variable_values() -> None:
    """Secrets travel in docker's environment, not on its command line (visible in ps)."""
    argv = DockerLauncher().create_argv(CONFIG, ENV, "n")
    assert not any("s3cr3t" in arg for arg in argv)


def test_docker_argv_keeps_image_cmd_without_command() -> None:
    """With no configured Command, nothing follows the image: the image's CMD applies."""
    config = FunctionConfig(name="f", arn="a", command=(), image_uri="img:1")
    assert DockerLauncher().create_argv(config, {}, "n")[-1] == "img:1"


def test_docker_argv_adds_extra_args_before_the_image() -> None:
    """Extra docker options (e.g. --memory) go before the image name."""
    argv = DockerLauncher(extra_args=["--memory", "128m"]).create_argv(CONFIG, {}, "n")
    assert argv[-4:] == ["--memory", "128m", CONFIG.image_uri, CONFIG.command[0]]


def test_docker_needs_an_image() -> None:
    """A function without an image URI cannot be launched with Docker."""
    config = FunctionConfig(name="f", arn="a", command=("m.h",))
    with pytest.raises(LaunchError, match="no image"):
        DockerLauncher().create_argv(config, {}, "n")


def test_container_names_are_unique_and_valid() -> None:
    """Each launch gets its own docker-valid name that mentions the function."""
    names = {DockerLauncher.container_name(CONFIG) for _ in range(50)}
    assert len(names) == 50
    assert all(n.startswith("lambda-thermostat-ingest-") for n in names)


def test_failed_docker_create_is_launch_error() -> None:
    """A docker create that fails (simulated with `false` as the CLI) raises LaunchError."""
    fake = DockerLauncher(docker="false")
    with pytest.raises(LaunchError, match="docker create for thermostat ingest failed"):
        fake.launch(CONFIG, ENV)


def test_missing_docker_binary_is_launch_error() -> None:
    """If the docker CLI does not exist, launching raises LaunchError."""
    with pytest.raises(LaunchError):
        DockerLauncher(docker="/nonexistent/docker").launch(CONFIG, ENV)


def test_process_environment_keeps_only_host_basics(monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH passes through; AWS settings from the host do not; LAMBDA_TASK_ROOT is cwd."""
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "host-secret")
    monkeypatch.setenv("AWS_PROFILE", "personal")
    launcher = ProcessLauncher(cwd=HANDLERS, pythonpath=["src"])
    env = launcher.environment({"AWS_REGION": "us-east-1"})
    assert env["PATH"]
    assert "AWS_SECRET_ACCESS_KEY" not in env
    assert "AWS_PROFILE" not in env
    assert env["LAMBDA_TASK_ROOT"] == str(HANDLERS)
    assert env["PYTHONPATH"].endswith("/src")
    assert env["AWS_REGION"] == "us-east-1"


def test_process_argv_runs_awslambdaric_with_the_handler() -> None:
    """The host process is `<python> -m awslambdaric <Command[0]>`."""
    launcher = ProcessLauncher(python="/usr/bin/python3")
    assert launcher.argv(CONFIG) == [
        "/usr/bin/python3",
        "-m",
        "awslambdaric",
        "thermostat_ingest.handler.handler",
    ]


def test_missing_interpreter_is_launch_error() -> None:
    """A launcher pointing at no interpreter raises LaunchError, and start() propagates it."""
    config = FunctionConfig(name="f", arn="a", command=("functions.echo",))
    runtime = FunctionRuntime(config, launcher=ProcessLauncher(python="/nonexistent/python"))
    with pytest.raises(LaunchError):
        runtime.start()
    runtime.stop()


# The image the docker tests run: the lead's ingest image by default (make test-e2e builds it).
DOCKER_IMAGE = os.environ.get("DATAPLANE_TEST_IMAGE", "thermostat-ingest:latest")


@pytest.fixture
def docker_runtime() -> Iterator[FunctionRuntime]:
    # Docker-marked tests run only under `make test-e2e`, which installs Docker: fail loudly.
    assert shutil.which("docker"), "the docker CLI is missing; run these through make test-e2e"
    config = FunctionConfig(
        name="docker-ingest",
        arn="arn:aws:lambda:us-east-1:111122223333:function:docker-ingest",
        command=(),  # the image's own CMD
        image_uri=DOCKER_IMAGE,
        environment={"TABLE_NAME": "readings"},
        timeout_seconds=30,
    )
    runtime = FunctionRuntime(config, launcher=DockerLauncher(), init_timeout=60)
    runtime.start()
    yield runtime
    runtime.stop()


def containers_named(prefix: str) -> list[str]:
    out = subprocess.run(
        ["docker", "ps", "-a", "--filter", f"name={prefix}", "--format", "{{.Names}}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return out.stdout.split()


@pytest.mark.docker
def test_docker_image_answers_through_the_runtime_api(docker_runtime: FunctionRuntime) -> None:
    """The function image, run with --network host, answers a Function URL event."""
    request = HttpRequest("GET", "/", [("Host", "127.0.0.1")], b"", "127.0.0.1")
    event = event_for_request(request)
    result = docker_runtime.invoke(json.dumps(event).encode())
    assert result.function_error is None, result.payload
    assert "statusCode" in json.loads(result.payload)


@pytest.mark.docker
def test_docker_stop_removes_the_container(docker_runtime: FunctionRuntime) -> None:
    """After stop() no container of the function is left, running or stopped."""
    docker_runtime.invoke(b"{}")  # the container is surely up once it has answered
    assert len(containers_named("lambda-docker-ingest-")) == 1
    docker_runtime.stop()
    assert containers_named("lambda-docker-ingest-") == []


def test_containers_of_a_dead_data_plane_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    """Containers labelled with a pid that no longer runs are `docker rm -f`ed; ours stay."""
    gone = subprocess.Popen(["true"])
    gone.wait()
    calls = tmp_path / "calls"
    docker = tmp_path / "docker"
    docker.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {calls}\n'
        'if [ "$1" = ps ]; then\n'
        f'  echo "lambda-old-1 {gone.pid}"; echo "lambda-mine-2 {os.getpid()}"\n'
        "fi\n"
    )
    docker.chmod(0o755)
    assert DockerLauncher(docker=str(docker)).remove_orphans() == ["lambda-old-1"]
    removed = [line for line in calls.read_text().splitlines() if line.startswith("rm")]
    assert removed == ["rm --force lambda-old-1"]
