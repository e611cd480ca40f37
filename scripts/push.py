"""`make push`: both images to ECR tagged by commit, then both functions to those digests.

Creates the ECR repositories if missing, logs Docker in with an ECR token, tags the local
images <prefix>-ingest/-stream:<local tag> as <registry>/<repo>:<git commit>, pushes them,
records the digest URIs in .deploy/images.json (read by `make deploy`), and, when the stack
exists, runs UpdateFunctionCode --image-uri <repo>@<digest> and waits until each update is done.
REGISTRY overrides the registry host (an emulator's ECR is API-only: see docs/aws.md).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
from typing import Any

import botocore.exceptions
from aws_settings import FUNCTIONS, PUSHED_IMAGES, Aws, SettingsError, connect, git_tag

ARCHITECTURES = {"amd64": "x86_64", "arm64": "arm64"}


class PushError(Exception):
    """A step of the push failed; the message names it."""


def docker(*args: str, stdin: str | None = None, quiet: bool = False) -> str:
    try:
        done = subprocess.run(
            ["docker", *args], input=stdin, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as err:
        raise PushError("the docker CLI is not installed") from err
    if done.returncode != 0:
        raise PushError(f"docker {args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
    if not quiet and done.stdout.strip():
        print(done.stdout.strip(), file=sys.stderr)
    return done.stdout


def ensure_repository(ecr: Any, name: str) -> str:
    """The repository's URI, creating the repository when it does not exist."""
    try:
        found = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
    except ecr.exceptions.RepositoryNotFoundException:
        found = ecr.create_repository(
            repositoryName=name,
            imageScanningConfiguration={"scanOnPush": True},
            imageTagMutability="MUTABLE",
        )["repository"]
        print(f"created ECR repository {name}", file=sys.stderr)
    return str(found["repositoryUri"])


def login(ecr: Any, registry: str) -> None:
    data = ecr.get_authorization_token()["authorizationData"][0]
    user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    docker("login", "--username", user, "--password-stdin", registry, stdin=password, quiet=True)


def push_image(local: str, registry: str, repository: str, tag: str) -> tuple[str, str]:
    """Push `local` as registry/repository:tag; return its digest URI and architecture."""
    try:
        inspect = json.loads(docker("image", "inspect", local, quiet=True))[0]
    except PushError as err:
        raise PushError(f"no local image {local}: build it with `make images`") from err
    remote = f"{registry}/{repository}"
    docker("tag", local, f"{remote}:{tag}", quiet=True)
    docker("push", f"{remote}:{tag}", quiet=True)
    digests = json.loads(
        docker("image", "inspect", "-f", "{{json .RepoDigests}}", local, quiet=True)
    )
    for entry in digests:
        if entry.startswith(f"{remote}@"):
            return str(entry), ARCHITECTURES.get(inspect["Architecture"], inspect["Architecture"])
    raise PushError(f"pushed {remote}:{tag} but Docker reported no digest for it")


def stack_functions(aws: Aws, stack: str) -> dict[str, str] | None:
    """The stack's function names by short name, or None when the stack does not exist."""
    try:
        described = aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    except botocore.exceptions.ClientError as err:
        if "does not exist" in str(err):
            return None
        raise
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    return {name: outputs[f"{name.capitalize()}FunctionName"] for name in FUNCTIONS}


def update_functions(aws: Aws, names: dict[str, str], uris: dict[str, str]) -> None:
    lambda_ = aws.client("lambda")
    for short, function in names.items():
        lambda_.update_function_code(FunctionName=function, ImageUri=uris[short])
    waiter = lambda_.get_waiter("function_updated_v2")
    for short, function in names.items():
        waiter.wait(FunctionName=function, WaiterConfig={"Delay": 2, "MaxAttempts": 150})
        print(f"updated {function} to {uris[short]}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local-prefix", default=env("IMAGE_PREFIX", "thermostat"))
    parser.add_argument("--local-tag", default=env("IMAGE_TAG", "latest"), help="built by images")
    parser.add_argument("--repository-prefix", default=env("REPOSITORY_PREFIX", "thermostat"))
    parser.add_argument("--tag", default=env("PUSH_TAG"), help="default: the git commit")
    parser.add_argument("--registry", default=env("REGISTRY"), help="default: the ECR registry")
    parser.add_argument("--stack", default=env("STACK_NAME", "thermostat"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        aws = connect()
        tag = args.tag or git_tag()
        ecr = aws.client("ecr")
        uris: dict[str, str] = {}
        architectures = set()
        logged_in: set[str] = set()
        for name in FUNCTIONS:
            repository = f"{args.repository_prefix}-{name}"
            registry = args.registry or ensure_repository(ecr, repository).split("/", 1)[0]
            if args.registry:
                ensure_repository(ecr, repository)
            if registry not in logged_in:
                login(ecr, registry)
                logged_in.add(registry)
            local = f"{args.local_prefix}-{name}:{args.local_tag}"
            uris[name], architecture = push_image(local, registry, repository, tag)
            architectures.add(architecture)
            print(f"pushed {local} as {uris[name]}")
        if len(architectures) != 1:
            raise PushError(f"the images are built for different platforms: {architectures}")
        record = {**uris, "tag": tag, "architecture": architectures.pop(), "region": aws.region}
        PUSHED_IMAGES.parent.mkdir(parents=True, exist_ok=True)
        PUSHED_IMAGES.write_text(json.dumps(record, indent=2) + "\n")
        names = stack_functions(aws, args.stack)
        if names is None:
            print(
                f"stack {args.stack} does not exist yet: `make deploy` creates it with these images"
            )
        else:
            update_functions(aws, names, uris)
    except SettingsError as err:
        print(f"push: {err}", file=sys.stderr)
        return 2
    except (PushError, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as err:
        print(f"push: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
