"""``thermostat-dataplane``: serve a deployed stack's functions, Function URLs and streams.

Runs until SIGINT or SIGTERM, then stops every poller, URL server and function
environment it started. With ``--ready-file`` it writes the URLs as JSON once serving.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from lambda_dataplane.app import AwsEndpoint, DataPlane, DataPlaneOptions
from lambda_dataplane.config import DEV_ACCESS_KEY_ID, DEV_SECRET_ACCESS_KEY
from lambda_dataplane.errors import DataplaneError
from lambda_dataplane.signals import wait_for_signal
from lambda_dataplane.sigv4 import Credential
from lambda_dataplane.stack import read_stack

log = logging.getLogger("lambda_dataplane")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="thermostat-dataplane", description=__doc__)
    parser.add_argument("--endpoint-url", default=env("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"))
    parser.add_argument("--region", default=env("AWS_REGION", "us-east-1"))
    parser.add_argument("--stack-name", default="thermostat-dev")
    parser.add_argument("--template", type=Path, default=Path("infra/template.yaml"))
    parser.add_argument("--mode", choices=["process", "docker"], default="process")
    parser.add_argument("--url-host", default="127.0.0.1")
    parser.add_argument("--url-port", type=int, default=0, help="0: any free port")
    parser.add_argument("--access-key-id", default=env("AWS_ACCESS_KEY_ID", DEV_ACCESS_KEY_ID))
    parser.add_argument(
        "--secret-access-key", default=env("AWS_SECRET_ACCESS_KEY", DEV_SECRET_ACCESS_KEY)
    )
    parser.add_argument(
        "--credential",
        action="append",
        default=[],
        metavar="KEY:SECRET",
        help="a key pair the Function URL accepts (AWS_IAM); default: the access key above",
    )
    parser.add_argument("--pythonpath", type=Path, action="append", default=[])
    parser.add_argument("--ready-file", type=Path, help="write {logical id: url} here when up")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


def url_credentials(pairs: Sequence[str]) -> dict[str, Credential]:
    credentials = {}
    for pair in pairs:
        key, sep, secret = pair.partition(":")
        if not sep or not key or not secret:
            raise SystemExit(f"--credential takes KEY:SECRET, got {pair!r}")
        credentials[key] = Credential(secret)
    return credentials


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    aws = AwsEndpoint(args.endpoint_url, args.region, args.access_key_id, args.secret_access_key)
    options = DataPlaneOptions(
        mode=args.mode,
        url_host=args.url_host,
        url_port=args.url_port,
        pythonpath=tuple(args.pythonpath),
        url_credentials=url_credentials(args.credential),
    )
    try:
        plan = read_stack(args.template, stack_name=args.stack_name, client=aws.client)
        plane = DataPlane(plan, aws, options)
        plane.start()
    except DataplaneError as err:
        print(f"thermostat-dataplane: {err}", file=sys.stderr)
        return 1
    try:
        for logical, url in plane.urls.items():
            print(f"{logical} {url}", flush=True)
        if args.ready_file:
            args.ready_file.write_text(json.dumps(plane.urls), encoding="utf-8")
        wait_for_signal()
    finally:
        plane.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
