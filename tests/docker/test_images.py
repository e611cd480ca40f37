"""The built function images: how they start, who they run as, and what they contain."""

from __future__ import annotations

import json

import pytest

from tests.docker.harness import INGEST_IMAGE, STREAM_IMAGE, docker

pytestmark = pytest.mark.docker
HANDLERS = {
    INGEST_IMAGE: "thermostat_ingest.handler.handler",
    STREAM_IMAGE: "thermostat_stream.handler.handler",
}
SIZE_LIMIT_BYTES = 200_000_000


def inspect(image: str) -> dict[str, object]:
    answer: list[dict[str, object]] = json.loads(docker("image", "inspect", image).stdout)
    return answer[0]


def run_shell(image: str, script: str) -> str:
    done = docker("run", "--rm", "--network", "host", "--entrypoint", "sh", image, "-c", script)
    return done.stdout


@pytest.mark.parametrize("image", [INGEST_IMAGE, STREAM_IMAGE])
def test_image_starts_awslambdaric_with_its_handler(images: object, image: str) -> None:
    """ENTRYPOINT is `python -m awslambdaric` and CMD the function's handler."""
    config = inspect(image)["Config"]
    assert config["Entrypoint"] == ["python", "-m", "awslambdaric"]  # type: ignore[index]
    assert config["Cmd"] == [HANDLERS[image]]  # type: ignore[index]


@pytest.mark.parametrize("image", [INGEST_IMAGE, STREAM_IMAGE])
def test_image_runs_as_a_non_root_user(images: object, image: str) -> None:
    """The configured user is not root, and a process in the image gets a non-zero uid."""
    assert inspect(image)["Config"]["User"] not in ("", "0", "root")  # type: ignore[index]
    assert run_shell(image, "id -u").strip() != "0"


@pytest.mark.parametrize("image", [INGEST_IMAGE, STREAM_IMAGE])
def test_image_holds_only_what_the_function_needs(images: object, image: str) -> None:
    """No tests, Pi client, CLI, data plane, pip or compiler in the image; the other function's
    package neither."""
    other = "stream" if image == INGEST_IMAGE else "ingest"
    found = run_shell(
        image,
        # The packages' import names since each deployable is its own distribution.
        "ls -d /var/task/thermostat_cli /var/task/thermostat_" + other + " /var/task/tests"
        " /var/task/pi /var/task/lambda_dataplane /opt/venv/bin/pip 2>/dev/null;"
        " find / -xdev \\( -name 'thermostat_pi' -o -name 'lambda_dataplane' -o -name devstack"
        " -o -name thermostat_cli -o -name 'thermostat_" + other + "' \\) -print 2>/dev/null;"
        " command -v gcc cc make; true",
    )
    assert found.split() == []


@pytest.mark.parametrize("image", [INGEST_IMAGE, STREAM_IMAGE])
def test_image_imports_its_handler(images: object, image: str) -> None:
    """The handler module imports inside the image with the locked dependencies."""
    module = HANDLERS[image].rsplit(".", 1)[0]
    done = docker(
        "run", "--rm", "--network", "host", "--entrypoint", "python", image,
        "-c", f"import {module}; print('ok')",
        check=False,
    )  # fmt: skip
    assert done.stdout.strip() == "ok", done.stderr


@pytest.mark.parametrize("image", [INGEST_IMAGE, STREAM_IMAGE])
def test_image_is_under_200_mb_uncompressed(images: object, image: str) -> None:
    """Each image stays under the 200 MB target (uncompressed, as `docker images` counts)."""
    size = inspect(image)["Size"]
    assert isinstance(size, int)
    assert size < SIZE_LIMIT_BYTES, f"{image}: {size / 1e6:.1f} MB"


@pytest.mark.parametrize("image", [INGEST_IMAGE, STREAM_IMAGE])
def test_image_is_single_platform_linux(images: object, image: str) -> None:
    """The image is one linux platform (Lambda rejects manifest lists) that Lambda runs."""
    config = inspect(image)
    assert config["Os"] == "linux"
    assert config["Architecture"] in ("amd64", "arm64")
