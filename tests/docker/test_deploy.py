"""`make deploy` and `make destroy` against moto_server, the template in local mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.docker.scripts_run import aws, run
from tests.support.moto import MotoServer
from tests.support.stack import deploy

pytestmark = pytest.mark.docker


def test_deploy_creates_the_stack_with_the_pushed_images(
    env: dict[str, str], moto: MotoServer
) -> None:
    """deploy after push: both functions run the pushed URIs; how to add a Pi is printed."""
    assert run("push.py", env).returncode == 0
    done = run("deploy.py", {**env, "PARAMS": "LocalDataPlane=true"}, "deploy")
    assert done.returncode == 0, done.stderr
    pushed = json.loads(Path(env["PUSHED_IMAGES_FILE"]).read_text())
    function = aws(moto, "lambda").get_function(FunctionName="thermostat-ingest")
    assert function["Code"]["ImageUri"] == pushed["ingest"]
    assert "thermostat device add living-room --stack thermostat --output" in done.stdout


def test_deploy_without_pushed_images_says_push_first(env: dict[str, str]) -> None:
    """No images.json and no *_IMAGE_URI: exit 2 and say `make push`."""
    done = run("deploy.py", env, "deploy")
    assert done.returncode == 2
    assert "run `make push` first" in done.stderr


def test_deploy_with_a_malformed_parameter_names_it(env: dict[str, str]) -> None:
    """PARAMS entries must be Key=Value: exit 2 naming the bad entry."""
    images = {"INGEST_IMAGE_URI": "r/i@sha256:1", "STREAM_IMAGE_URI": "r/s@sha256:2"}
    done = run("deploy.py", {**env, **images, "PARAMS": "LocalDataPlane"}, "deploy")
    assert done.returncode == 2
    assert "'LocalDataPlane' is not Key=Value" in done.stderr


def test_destroy_deletes_the_stack(env: dict[str, str], moto: MotoServer) -> None:
    """destroy removes a deployed stack."""
    deploy(aws(moto, "cloudformation"), "thermostat")
    done = run("deploy.py", env, "destroy")
    assert done.returncode == 0, done.stderr
    stacks = aws(moto, "cloudformation").list_stacks()["StackSummaries"]
    assert [s["StackStatus"] for s in stacks if s["StackName"] == "thermostat"] == [
        "DELETE_COMPLETE"
    ]


def test_destroy_without_a_stack_does_nothing(env: dict[str, str]) -> None:
    """destroy of a stack that does not exist succeeds and says so."""
    done = run("deploy.py", env, "destroy")
    assert done.returncode == 0
    assert "nothing to destroy" in done.stdout


def test_deploy_of_images_pushed_to_another_region_says_push_again(
    env: dict[str, str], tmp_path: Path
) -> None:
    """Images recorded for another region: exit 2, naming both regions (Lambda needs its own)."""
    images = {"ingest": "r/i@sha256:1", "stream": "r/s@sha256:2", "region": "eu-west-1"}
    Path(env["PUSHED_IMAGES_FILE"]).write_text(json.dumps(images))
    done = run("deploy.py", env, "deploy")
    assert done.returncode == 2
    assert "pushed to eu-west-1, not us-east-1" in done.stderr
