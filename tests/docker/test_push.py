"""`make push` against moto_server (ECR API, Lambda, CloudFormation) and a local registry.

moto's ECR is API-only, so REGISTRY points the push at Debian's docker-registry; the
repositories, the login token, Lambda and CloudFormation are moto's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.docker.registry import Registry
from tests.docker.scripts_run import aws, head_commit, run
from tests.support.moto import MotoServer
from tests.support.stack import deploy

pytestmark = pytest.mark.docker


def test_push_creates_repositories_and_pushes_images_tagged_by_commit(
    env: dict[str, str], moto: MotoServer, registry: Registry
) -> None:
    """Both ECR repositories are created and both images reach the registry under the commit."""
    done = run("push.py", env)
    assert done.returncode == 0, done.stderr
    repositories = aws(moto, "ecr").describe_repositories()["repositories"]
    assert sorted(r["repositoryName"] for r in repositories) == [
        "thermostat-ingest",
        "thermostat-stream",
    ]
    for name in ("ingest", "stream"):
        tags = json.loads(registry.get(f"/v2/thermostat-{name}/tags/list")[0])["tags"]
        assert len(tags) == 1
        assert tags[0].startswith(head_commit())


def test_push_records_the_registry_digest_of_each_image(
    env: dict[str, str], registry: Registry
) -> None:
    """images.json holds <registry>/<repo>@<digest>, the digest the registry serves the tag as."""
    assert run("push.py", env).returncode == 0
    pushed = json.loads(Path(env["PUSHED_IMAGES_FILE"]).read_text())
    for name in ("ingest", "stream"):
        _, headers = registry.get(f"/v2/thermostat-{name}/manifests/{pushed['tag']}")
        digest = headers["Docker-Content-Digest"]
        assert pushed[name] == f"{registry.address}/thermostat-{name}@{digest}"
    assert pushed["architecture"] in ("x86_64", "arm64")


def test_push_points_deployed_functions_at_the_pushed_digests(
    env: dict[str, str], moto: MotoServer
) -> None:
    """With the stack deployed, UpdateFunctionCode runs with each image's digest URI."""
    outputs = deploy(aws(moto, "cloudformation"), "thermostat")
    done = run("push.py", env)
    assert done.returncode == 0, done.stderr
    pushed = json.loads(Path(env["PUSHED_IMAGES_FILE"]).read_text())
    for name in ("ingest", "stream"):
        function = aws(moto, "lambda").get_function(
            FunctionName=outputs[f"{name.capitalize()}FunctionName"]
        )
        assert function["Code"]["ImageUri"] == pushed[name]
        assert function["Configuration"]["LastUpdateStatus"] == "Successful"


def test_push_without_a_stack_says_deploy_creates_it(env: dict[str, str]) -> None:
    """When the stack does not exist yet, push succeeds and says `make deploy` is next."""
    done = run("push.py", env)
    assert done.returncode == 0, done.stderr
    assert "make deploy" in done.stdout


def test_push_without_a_region_says_how_to_set_one(env: dict[str, str]) -> None:
    """No region anywhere: exit 2 and name AWS_REGION."""
    env = {k: v for k, v in env.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    done = run("push.py", env)
    assert done.returncode == 2
    assert "no AWS region: set AWS_REGION" in done.stderr


def test_push_without_credentials_says_how_to_provide_them(env: dict[str, str]) -> None:
    """No credentials anywhere: exit 2 and name the ways to provide them."""
    env = {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    done = run("push.py", env)
    assert done.returncode == 2
    assert "no AWS credentials" in done.stderr


def test_push_with_an_unknown_profile_names_it(env: dict[str, str]) -> None:
    """AWS_PROFILE naming a profile that does not exist: exit 2 and name the profile."""
    done = run("push.py", {**env, "AWS_PROFILE": "no-such-profile"})
    assert done.returncode == 2
    assert "'no-such-profile'" in done.stderr


def test_push_of_images_not_built_says_make_images(env: dict[str, str]) -> None:
    """A missing local image: exit 1 with `make images` as the fix."""
    done = run("push.py", {**env, "IMAGE_PREFIX": "not-built-here"})
    assert done.returncode == 1
    assert "no local image not-built-here-ingest:latest" in done.stderr
