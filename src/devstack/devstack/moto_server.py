"""``python -m devstack.moto_server``: moto_server, without touching Docker.

moto's ``/moto-api/data.json`` (which the local data plane reads IAM secrets from) serialises
every attribute of every model; a Lambda function's ``docker_client`` attribute connects to
Docker, and where no engine answers (CI, most laptops) that raises and the whole answer is a
500. Nothing here asks moto to run containers (the local data plane runs the functions), so
the attribute is made to say "no Docker" in a way model_data skips (an AttributeError).
"""

from __future__ import annotations

import sys
from typing import Any

from moto.utilities.docker_utilities import DockerModel


def _no_docker(self: Any) -> Any:
    raise AttributeError("this emulator does not run containers (the data plane does)")


def main() -> None:
    DockerModel.docker_client = property(_no_docker)  # type: ignore[assignment,method-assign]
    from moto.server import main as moto_main

    moto_main(sys.argv[1:])


if __name__ == "__main__":
    main()
