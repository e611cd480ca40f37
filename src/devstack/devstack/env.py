"""``thermostat-devstack env``: shell exports that point the AWS CLI (and boto3) at make dev.

    eval "$(thermostat-devstack env)"
    aws dynamodb scan --table-name "$THERMOSTAT_TABLE"

AWS_ENDPOINT_URL is honoured by AWS CLI v2 and v1 (>= 1.29) and every boto3/botocore since
1.28 (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html); the region
and keys come from the environment too, so no ~/.aws files are needed. AWS_PROFILE and
AWS_SESSION_TOKEN are unset so nothing from a real account is mixed in.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from thermostat.endpoints import Endpoints, EndpointsFileError, find_endpoints_file


def exports(endpoints: Endpoints) -> str:
    values = {
        "AWS_ENDPOINT_URL": endpoints.aws_endpoint_url,
        "AWS_REGION": endpoints.region,
        "AWS_DEFAULT_REGION": endpoints.region,
        "AWS_ACCESS_KEY_ID": endpoints.access_key_id,
        "AWS_SECRET_ACCESS_KEY": endpoints.secret_access_key,
        "THERMOSTAT_TABLE": endpoints.table_name,
        "THERMOSTAT_INGEST_URL": endpoints.ingest_url,
    }
    lines = ["unset AWS_PROFILE AWS_SESSION_TOKEN"]
    lines += [f"export {name}={shlex.quote(value)}" for name, value in values.items()]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="thermostat-devstack env", description=__doc__)
    parser.add_argument("--endpoints-file", type=Path, help="default: .devstack/endpoints.json")
    args = parser.parse_args(argv)
    path = args.endpoints_file or find_endpoints_file(Path.cwd())
    try:
        if path is None:
            raise EndpointsFileError("make dev is not running here (no .devstack/endpoints.json)")
        sys.stdout.write(exports(Endpoints.read(path)))
    except EndpointsFileError as err:
        print(f"thermostat-devstack env: {err}", file=sys.stderr)
        return 1
    return 0
