"""``thermostat-devstack`` (``make dev``): the whole pipeline on one machine, no Docker.

Starts moto_server on 127.0.0.1, deploys infra/template.yaml with LocalDataPlane=true,
runs the local Lambda data plane and a simulated Pi, writes .devstack/endpoints.json and
prints what happens until Ctrl-C, which stops everything it started.
``thermostat-devstack seed-demo --help``: write a simulated day into a table.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from devstack.errors import DevstackError
from devstack.runner import DevSettings, DevStack
from lambda_dataplane.config import DEV_ACCESS_KEY_ID, DEV_SECRET_ACCESS_KEY
from lambda_dataplane.errors import DataplaneError
from lambda_dataplane.signals import wait_for_signal
from thermostat.contract import format_timestamp
from thermostat.endpoints import Endpoints


def parse_args(argv: Sequence[str] | None) -> DevSettings:
    parser = argparse.ArgumentParser(prog="thermostat-devstack", description=__doc__)
    parser.add_argument(
        "--port", type=int, default=4566, help="the AWS endpoint's port, every API (4566)"
    )
    parser.add_argument("--url-port", type=int, default=0, help="Function URL port (0: any)")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--access-key-id", default=DEV_ACCESS_KEY_ID)
    parser.add_argument("--secret-access-key", default=DEV_SECRET_ACCESS_KEY)
    parser.add_argument("--stack-name", default="thermostat-dev")
    parser.add_argument("--template", type=Path, default=Path("infra/template.yaml"))
    parser.add_argument("--state-dir", type=Path, default=Path(".devstack"))
    parser.add_argument("--no-pi", dest="pi", action="store_false", help="no simulated Pi")
    parser.add_argument("--device-id", default="dev-pi")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between readings")
    parser.add_argument(
        "--ttl-interval", type=float, default=2.0, help="seconds between TTL sweeps (2)"
    )
    args = parser.parse_args(argv)
    return DevSettings(
        port=args.port,
        url_port=args.url_port,
        region=args.region,
        access_key_id=args.access_key_id,
        secret_access_key=args.secret_access_key,
        stack_name=args.stack_name,
        template=args.template,
        state_dir=args.state_dir,
        pi=args.pi,
        device_id=args.device_id,
        interval=args.interval,
        ttl_interval=args.ttl_interval,
    )


def curl_example(endpoints: Endpoints) -> str:
    reading = {
        "device_id": "my-desk",
        "recorded_at": format_timestamp(datetime.now(UTC)),
        "temperature_c": 20.5,
        "setpoint_c": 21.0,
        "heating": True,
    }
    sign = ""
    if endpoints.auth_type == "AWS_IAM":
        key = endpoints.device_access_key_id or endpoints.access_key_id
        secret = endpoints.device_secret_access_key or endpoints.secret_access_key
        sign = f'--aws-sigv4 "aws:amz:{endpoints.region}:lambda" --user {key}:{secret} '
    return (
        f"curl {sign}-H 'Content-Type: application/json' "
        f"-d '{json.dumps(reading, separators=(',', ':'))}' {endpoints.ingest_url}"
    )


def say(line: str) -> None:
    print(line, flush=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["seed-demo"]:
        from devstack import seed

        return seed.main(argv[1:])
    return run(argv)


def run(argv: Sequence[str]) -> int:
    began = time.monotonic()
    settings = parse_args(argv)
    # SIGTERM while starting up unwinds like Ctrl-C, so children are stopped either way.
    signal.signal(signal.SIGTERM, _interrupt)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    (settings.state_dir / "endpoints.json").unlink(missing_ok=True)
    stack = DevStack(settings, write=say)
    try:
        endpoints = stack.start()
    except (DevstackError, DataplaneError) as err:
        stack.stop()
        print(f"thermostat-devstack: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        stack.stop()
        return 130
    except BaseException:
        stack.stop()
        raise
    try:
        say(f"Ready in {time.monotonic() - began:.1f} s. AWS APIs: {endpoints.aws_endpoint_url}")
        say(f"Function URL ({endpoints.auth_type}): {endpoints.ingest_url}")
        say(f"Endpoints, admin and device keys: {settings.state_dir / 'endpoints.json'}")
        say("Send a reading:")
        say(f"  {curl_example(endpoints)}")
        pi = "thermostat-pi run --simulate" if settings.pi else "off (--no-pi)"
        say(f"Simulated Pi: {pi}. Ctrl-C stops everything.")
        wait_for_signal()
        say("Stopping...")
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
