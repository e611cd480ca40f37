"""``thermostat-devstack`` (``make dev``): the whole pipeline on one machine, no Docker.

Starts moto_server on 127.0.0.1, deploys infra/template.yaml with LocalDataPlane=true,
runs the local Lambda data plane and a simulated Pi, writes .devstack/endpoints.json and
prints what happens until Ctrl-C, which stops everything it started. One per state
directory; what was stored is kept across restarts (``--fresh``: start empty).
``thermostat-devstack seed-demo --help``: write a simulated day into a table.
``thermostat-devstack env``: shell exports pointing the AWS CLI at it.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from devstack.errors import DevstackError
from devstack.leftovers import end_leftovers
from devstack.lock import AlreadyRunningError, StackLock
from devstack.moto import LOOPBACK, port_is_free
from devstack.runner import DevSettings, DevStack
from devstack.watch import signals_ignored, wait_for_stop
from lambda_dataplane.config import DEV_ACCESS_KEY_ID, DEV_SECRET_ACCESS_KEY
from lambda_dataplane.errors import DataplaneError
from thermostat.contract import format_timestamp
from thermostat.endpoints import Endpoints

# The Function URL's port when --url-port is not given: fixed, so a Pi configured once keeps
# reaching make dev across restarts. Next to moto's 4566; nothing well known uses it.
DEFAULT_URL_PORT = 4577


def _parameter(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key, value


def parse_args(argv: Sequence[str] | None) -> DevSettings:
    parser = argparse.ArgumentParser(prog="thermostat-devstack", description=__doc__)
    parser.add_argument(
        "--port", type=int, default=4566, help="the AWS endpoint's port, every API (4566)"
    )
    parser.add_argument(
        "--url-port",
        type=int,
        default=DEFAULT_URL_PORT,
        help=f"Function URL port ({DEFAULT_URL_PORT}, the same at every start; 0: any free one)",
    )
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--access-key-id", default=DEV_ACCESS_KEY_ID)
    parser.add_argument("--secret-access-key", default=DEV_SECRET_ACCESS_KEY)
    parser.add_argument("--stack-name", default="thermostat-dev")
    parser.add_argument("--template", type=Path, default=Path("infra/template.yaml"))
    parser.add_argument("--state-dir", type=Path, default=Path(".devstack"))
    parser.add_argument("--no-pi", dest="pi", action="store_false", help="no simulated Pi")
    parser.add_argument("--device-id", default="dev-pi")
    parser.add_argument(
        "--interval",
        type=float,
        default=60.0,
        help="seconds between the simulated Pi's readings (60, like a real Pi: 1440 a day kept)",
    )
    parser.add_argument(
        "--ttl-interval", type=float, default=2.0, help="seconds between TTL sweeps (2)"
    )
    parser.add_argument("--fresh", action="store_true", help="delete the kept data, start empty")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        type=_parameter,
        metavar="KEY=VALUE",
        help="a template parameter, e.g. --param DeviceSilentAfterMinutes=1 (repeatable)",
    )
    parser.add_argument(
        "--schedule-interval",
        type=float,
        metavar="SECONDS",
        help="run the template's schedules (the health check) this often instead",
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
        fresh=args.fresh,
        parameters=dict(args.param),
        schedule_interval=args.schedule_interval,
    )


def curl_example(endpoints: Endpoints) -> str:
    """A signed curl of one reading: as the device (its key may write only its readings)."""
    reading = {
        "device_id": endpoints.device_id or "my-desk",
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
    if argv[:1] == ["env"]:
        from devstack import env

        return env.main(argv[1:])
    return run(argv)


def fail(message: str) -> int:
    print(f"thermostat-devstack: {message}", file=sys.stderr)
    return 1


def run(argv: Sequence[str]) -> int:
    began = time.monotonic()
    settings = parse_args(argv)
    # SIGTERM while starting up unwinds like Ctrl-C, so children are stopped either way.
    signal.signal(signal.SIGTERM, _interrupt)
    lock = StackLock(settings.state_dir)
    try:
        # First, before any file of a running stack is touched: one make dev per directory.
        lock.acquire(aws=f"http://{LOOPBACK}:{settings.port}")
    except AlreadyRunningError as err:
        return fail(str(err))
    try:
        ended = end_leftovers(lock.previous)  # after a SIGKILL: children still exiting
        return _run_locked(settings, lock, began, settle=5.0 if ended else 0.0)
    finally:
        lock.release()


def _run_locked(settings: DevSettings, lock: StackLock, began: float, *, settle: float) -> int:
    for port, flag in ((settings.port, "--port"), (settings.url_port, "--url-port")):
        if port and not wait_until_free(port, settle):
            return fail(f"port {port} ({flag}) is already in use on {LOOPBACK}")
    (settings.state_dir / "endpoints.json").unlink(missing_ok=True)
    log_to(settings.state_dir / "stack.log")
    stack = DevStack(settings, write=say)
    failure = None
    try:
        try:
            endpoints = stack.start()
        except (DevstackError, DataplaneError) as err:
            return fail(str(err))  # the finally below stops what was started
        # From here on a Ctrl-C at any moment (even while these lines print) is a clean stop.
        lock.describe(function_url=endpoints.ingest_url, children=stack.children())
        say(f"Ready in {time.monotonic() - began:.1f} s. AWS APIs: {endpoints.aws_endpoint_url}")
        say(f"Function URL ({endpoints.auth_type}): {endpoints.ingest_url}")
        say(f"Endpoints, admin and device keys: {settings.state_dir / 'endpoints.json'}")
        kept = "started empty (--fresh)" if settings.fresh else f"{stack.restored} items restored"
        say(f"Kept data: {stack.data_files.directory} ({kept})")
        say("Send a reading:")
        say(f"  {curl_example(endpoints)}")
        pi = "thermostat-pi run --simulate" if settings.pi else "off (--no-pi)"
        say(f"Simulated Pi: {pi}. Ctrl-C stops everything.")
        failure = wait_for_stop(stack.failure)
        if failure is not None:
            print(f"thermostat-devstack: {failure}; stopping.", file=sys.stderr, flush=True)
        else:
            say("Stopping: the Function URL finishes the requests in flight...")
    except KeyboardInterrupt:
        if stack.endpoints is None:  # still starting: stopped before it was ready
            return 130
        say("Stopping: the Function URL finishes the requests in flight...")
    finally:
        with signals_ignored():
            stack.stop()
    say("Stopped.")
    return 1 if failure is not None else 0


def wait_until_free(port: int, timeout: float) -> bool:
    """Whether the port is free, waiting up to `timeout` seconds for a leftover child of a
    killed make dev to release it."""
    deadline = time.monotonic() + timeout
    while not port_is_free(port):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def log_to(path: Path) -> None:
    """The data plane's and our own log lines go to a file; the terminal shows the feed."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


if __name__ == "__main__":
    sys.exit(main())
