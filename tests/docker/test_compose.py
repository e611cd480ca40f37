"""docker-compose.yml and the LocalStack ready.d hook, without starting LocalStack.

The compose file is checked by compose itself, the healthcheck command against sample init
reports, the hook against moto_server (its failure paths included), and the data plane
service's image serves a stack on moto. test_localstack.py and test_pipeline.py run the
compose stack itself on LocalStack (E2E_BACKEND=localstack, `-m localstack`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.docker.harness import PREFIX, ROOT, TAG, docker, moto_docker_stack
from tests.docker.payloads import post_ok, reading
from tests.support.moto import MotoServer

pytestmark = pytest.mark.docker
HOOK = ROOT / "localstack" / "init" / "ready.d" / "10-deploy-stack.sh"


def compose_command() -> list[str]:
    if docker("compose", "version", check=False).returncode == 0:
        return ["docker", "compose"]
    pytest.fail("`docker compose` (v2) is not installed (make test-e2e installs it)")


def compose_config(profiles: str, **env: str) -> dict[str, Any]:
    """The compose file as compose resolves it, for the given profiles and variables."""
    done = subprocess.run(
        [*compose_command(), "config"],
        cwd=ROOT,
        env={**os.environ, "COMPOSE_PROFILES": profiles, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    config: dict[str, Any] = yaml.safe_load(done.stdout)
    return config


def test_compose_file_is_valid_and_pins_localstack_4_14_0() -> None:
    """compose accepts the file; LocalStack defaults to 4.14.0, overridable."""
    assert compose_config("dataplane")["services"]["localstack"]["image"] == (
        "localstack/localstack:4.14.0"
    )
    pinned = compose_config("dataplane", LOCALSTACK_VERSION="4.13.1")
    assert pinned["services"]["localstack"]["image"] == "localstack/localstack:4.13.1"


def test_localstack_runs_the_services_the_stack_needs_kms_included() -> None:
    """SERVICES is what the template needs (kms: the table's SSE), and DynamoDB streams use
    DynamoDB Local's own (no kinesis-mock download)."""
    env = compose_config("dataplane")["services"]["localstack"]["environment"]
    assert env["SERVICES"].split(",") == [
        *("cloudformation", "dynamodb", "dynamodbstreams", "iam", "kms", "lambda", "logs"),
        *("sns", "sqs", "sts"),
    ]
    assert env["PROVIDER_OVERRIDE_DYNAMODBSTREAMS"] == "v2"


def test_localstack_listens_on_loopback_only_with_host_networking() -> None:
    """LocalStack is on the host network, its gateway on 127.0.0.1:4566 and nowhere else."""
    service = compose_config("dataplane")["services"]["localstack"]
    assert service["network_mode"] == "host"
    assert service["environment"]["GATEWAY_LISTEN"] == "127.0.0.1:4566"
    assert "ports" not in service


def test_dataplane_service_runs_only_with_its_profile() -> None:
    """The data plane alone is in the `dataplane` profile: without it (token mode) it stays off."""
    services = compose_config("dataplane")["services"]
    profiled = {name: s["profiles"] for name, s in services.items() if s.get("profiles")}
    assert profiled == {"dataplane": ["dataplane"]}


def test_dataplane_service_uses_host_network_and_the_engine_socket() -> None:
    """The data plane runs images with --network host through the mounted socket."""
    service = compose_config("dataplane")["services"]["dataplane"]
    assert service["network_mode"] == "host"
    mounts = [(v["source"], v["target"]) for v in service["volumes"]]  # compose v2's long form
    assert ("/var/run/docker.sock", "/var/run/docker.sock") in mounts
    assert "--mode=docker" in service["command"]
    assert service["depends_on"]["localstack"]["condition"] == "service_healthy"


def test_compose_builds_both_function_images() -> None:
    """Compose builds the two images from their Dockerfiles, with the BASE_IMAGE argument."""
    services = compose_config("", BASE_IMAGE="stand-in:1")["services"]
    for name in ("ingest", "stream"):
        build = services[f"{name}-image"]["build"]
        assert build["dockerfile"] == f"Dockerfile.{name}"
        assert build["args"]["BASE_IMAGE"] == "stand-in:1"
        assert services[f"{name}-image"]["image"] == f"{PREFIX}-{name}:{TAG}"


def test_healthcheck_fails_when_an_init_script_failed(tmp_path: Path) -> None:
    """The healthcheck command rejects an init report with an ERROR script, accepts a clean one."""
    test = compose_config("")["services"]["localstack"]["healthcheck"]["test"]
    command = test[1].replace("$$", "$")  # compose config keeps the escape for the file
    fake_curl_dir = tmp_path
    script = '{"name": "10-deploy-stack.sh", "state": "%s"}'
    for report, healthy in (
        ('{"completed": true, "scripts": [%s]}' % (script % "SUCCESSFUL"), True),
        ('{"completed": true, "scripts": [%s]}' % (script % "ERROR"), False),
        ('{"completed": false, "scripts": []}', False),
    ):
        curl = fake_curl_dir / "curl"
        curl.write_text(f"#!/bin/sh\ncat <<'EOF'\n{report}\nEOF\n")
        curl.chmod(0o755)
        try:
            done = subprocess.run(
                ["sh", "-c", command],
                env={**os.environ, "PATH": f"{fake_curl_dir}:{os.environ['PATH']}"},
                check=False,
            )
        finally:
            curl.unlink()
        assert (done.returncode == 0) is healthy, report


def test_ready_hook_is_an_executable_script_with_a_shebang() -> None:
    """LocalStack runs only executable .sh hooks that start with a shebang."""
    assert HOOK.stat().st_mode & 0o111
    assert HOOK.read_text().startswith("#!")


def run_hook(moto: MotoServer, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The ready.d hook as LocalStack runs it, with moto_server standing in for LocalStack."""
    return subprocess.run(
        [str(HOOK)],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LOCALSTACK_"))},
            "AWS_ENDPOINT_URL": moto.endpoint_url,
            "LOCALSTACK_PYTHON": sys.executable,
            "THERMOSTAT_INIT_DIR": str(ROOT / "localstack" / "init"),
            "THERMOSTAT_LIB": str(ROOT / "src" / "contract"),  # as compose mounts it
            "TEMPLATE": str(ROOT / "infra" / "template.yaml"),
            "ENDPOINTS_FILE": str(tmp_path / "endpoints.json"),
            "DEPLOY_POLL_SECONDS": "1",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_ready_hook_deploys_the_stack_for_the_local_data_plane(
    moto: MotoServer, tmp_path: Path
) -> None:
    """Without a token: LocalDataPlane=true, and endpoints.json points at the data plane's URL."""
    done = run_hook(moto, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Function URL: http://127.0.0.1:9000/" in done.stdout
    endpoints = json.loads((tmp_path / "endpoints.json").read_text())
    assert endpoints["ingest_url"] == "http://127.0.0.1:9000/"
    assert endpoints["functions_run_by"] == "dataplane"
    assert endpoints["table_name"].startswith("thermostat-")


def test_ready_hook_run_twice_keeps_one_stack(moto: MotoServer, tmp_path: Path) -> None:
    """A second run (LocalStack restarted with state) updates the stack instead of failing."""
    assert run_hook(moto, tmp_path).returncode == 0
    done = run_hook(moto, tmp_path)
    assert done.returncode == 0, done.stderr


def test_ready_hook_failure_exits_non_zero_with_the_reason(
    moto: MotoServer, tmp_path: Path
) -> None:
    """A template that cannot be read fails the hook (LocalStack then reports ERROR)."""
    done = run_hook(moto, tmp_path, TEMPLATE=str(tmp_path / "missing.yaml"))
    assert done.returncode != 0
    assert "missing.yaml" in done.stderr


@pytest.fixture(scope="module")
def dataplane_image(images: object) -> str:
    """Compose's data plane image, built like compose builds it."""
    base = os.environ.get("BASE_IMAGE", "python:3.13-slim")
    built = docker(
        "build", "--network", "host", "-q", "-f", str(ROOT / "Dockerfile.dataplane"),
        "--build-arg", f"BASE_IMAGE={base}", "-t", f"{PREFIX}-dataplane:e2e", str(ROOT),
        check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    return f"{PREFIX}-dataplane:e2e"


def test_dataplane_service_image_serves_the_stack(
    dataplane_image: str, images: tuple[str, str], tmp_path: Path
) -> None:
    """The compose data plane image, on the host network with the socket, runs the pipeline."""
    with moto_docker_stack(tmp_path, *images, dataplane_image=dataplane_image) as stack:
        assert post_ok(stack, reading("compose-dp", 30, 21.0)) == {"stored": 1}
        pk = "DEVICE#compose-dp"
        stack.eventually("device status", lambda: stack.item(pk, "STATUS"))
