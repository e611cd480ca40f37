"""An image whose handler cannot be imported fails the scenario, with the function's error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docker.harness import PREFIX, E2EFailure, docker, moto_docker_stack
from tests.docker.payloads import post_ok, reading

pytestmark = pytest.mark.docker

BROKEN = f"{PREFIX}-ingest:e2e-broken-import"
# The real ingest image without its handler's package: the import at init must fail.
BROKEN_DOCKERFILE = """
FROM {image}
USER root
RUN rm -rf /var/task/thermostat_ingest
USER 10001:10001
"""


@pytest.fixture(scope="module")
def broken_image(images: tuple[str, str]) -> Iterator[str]:
    built = docker(
        "build",
        "--network",
        "host",
        "-q",
        "-t",
        BROKEN,
        "-",
        input_text=BROKEN_DOCKERFILE.format(image=images[0]),
        check=False,
    )
    assert built.returncode == 0, built.stderr
    yield BROKEN
    docker("rmi", "--force", BROKEN, check=False)


def test_broken_handler_import_fails_the_scenario_with_the_functions_error(
    broken_image: str, images: tuple[str, str], tmp_path: Path
) -> None:
    """A POST to a function that cannot import its handler fails, showing ImportModuleError."""
    with (
        moto_docker_stack(tmp_path, broken_image, images[1]) as stack,
        pytest.raises(E2EFailure) as failure,
    ):
        post_ok(stack, reading("broken-1", 1, 20.0))
    message = str(failure.value)
    assert "POST answered 502" in message
    assert "Runtime.ImportModuleError" in message
    assert "thermostat_ingest" in message
