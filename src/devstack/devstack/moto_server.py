"""``python -m devstack.moto_server``: moto_server, without touching Docker.

moto's ``/moto-api/data.json`` (which the local data plane reads IAM secrets from) serialises
every attribute of every model; a Lambda function's ``docker_client`` attribute connects to
Docker, and where no engine answers (CI, most laptops) that raises and the whole answer is a
500. Nothing here asks moto to run containers (the local data plane runs the functions), so
the attribute is made to say "no Docker" in a way model_data skips (an AttributeError).

It also imports the backends the stack uses while the server starts, instead of at the first
request to each (moto imports a backend on first use, and CloudFormation's pulls in nearly
every service: about 2.5 s, most of ``make dev``'s deploy). moto's EC2 backend makes a new
boto3 Session for each partition it lists regions of (~0.3 s each); here they share one.
"""

from __future__ import annotations

import importlib
import sys
import threading
from typing import Any
from unittest import mock

from moto.utilities.docker_utilities import DockerModel


def _no_docker(self: Any) -> Any:
    raise AttributeError("this emulator does not run containers (the data plane does)")


# What infra/template.yaml and make dev call: CloudFormation first (it imports most others).
BACKENDS = (
    "moto.cloudformation.models",
    "moto.dynamodb.models",
    "moto.dynamodbstreams.models",
    "moto.iam.models",
    "moto.awslambda.models",
    "moto.sns.models",
    "moto.sqs.models",
    "moto.events.models",
    "moto.logs.models",
    "moto.sts.models",
)


def _regions_with_one_session() -> None:
    import boto3

    shared, real = boto3.Session(), boto3.Session

    def session(*args: Any, **kwargs: Any) -> Any:
        return shared if not args and not kwargs else real(*args, **kwargs)

    with mock.patch("boto3.Session", session):
        importlib.import_module("moto.ec2.models.availability_zones_and_regions")


def _warm_backends() -> None:
    for name in BACKENDS:
        try:
            importlib.import_module(name)
        except ImportError:  # a moto without that backend: it is imported on demand, or not
            continue


def main() -> None:
    DockerModel.docker_client = property(_no_docker)  # type: ignore[assignment,method-assign]
    _regions_with_one_session()
    threading.Thread(target=_warm_backends, name="warm-backends", daemon=True).start()
    from moto.server import main as moto_main

    moto_main(sys.argv[1:])


if __name__ == "__main__":
    main()
