"""``make dev`` as a daily tool: one per checkout, clean refusals, clean stops, dying moto.

Real processes throughout: thermostat-devstack, moto_server, awslambdaric functions.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from devstack.moto import port_is_listening
from tests.e2e.devstack_process import DEVSTACK, Devstack, Setup, post_reading
from tests.e2e.e2e_support import REPO, functions_of_stack
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
READING = {
    "device_id": "desk",
    "recorded_at": "2026-11-21T20:00:00.000Z",
    "temperature_c": 20.5,
    "setpoint_c": 21.0,
    "heating": True,
}


def files_of(state_dir: Path) -> dict[str, tuple[int, bytes]]:
    """Every file but the logs (the first make dev writes those as it runs): mtime, bytes."""
    return {
        str(path.relative_to(state_dir)): (path.stat().st_mtime_ns, path.read_bytes())
        for path in state_dir.rglob("*")
        if path.is_file() and path.suffix != ".log"
    }


def test_second_start_refuses_at_once_and_leaves_the_first_working(
    start_devstack: Callable[..., Devstack], tmp_path: Path
) -> None:
    """Same directory, other ports: one line naming the first (pid, addresses); its files
    are untouched and it keeps serving."""
    first = start_devstack("--no-pi")
    endpoints = first.ready()
    before = files_of(first.state_dir)

    second = start_devstack("--no-pi", setup=Setup(first.state_dir))
    code, output = second.finish()

    assert code == 1
    assert output.splitlines() == [
        f"thermostat-devstack: make dev is already running for {first.state_dir} "
        f"(pid {first.process.pid}: AWS APIs {endpoints['aws_endpoint_url']}, "
        f"Function URL {endpoints['ingest_url']})"
    ]
    assert files_of(first.state_dir) == before
    assert post_reading(endpoints, READING).json() == {"stored": 1}


def test_two_starts_in_the_same_moment_one_runs_and_one_refuses(
    start_devstack: Callable[..., Devstack], tmp_path: Path
) -> None:
    """Started back to back on one directory: exactly one comes up, the other says why."""
    state = tmp_path / ".devstack"
    one, two = (start_devstack("--no-pi", setup=Setup(state)) for _ in range(2))
    refused = wait_for(
        lambda: next((d for d in (one, two) if d.process.poll() is not None), None), timeout=30
    )
    running = two if refused is one else one
    code, output = refused.finish()
    assert (code, "already running" in output) == (1, True)
    assert post_reading(running.ready(), READING).json() == {"stored": 1}


def test_taken_url_port_is_one_clear_line(tmp_path: Path) -> None:
    """A taken --url-port gets the same one-line refusal as a taken --port, no traceback."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        devstack = Devstack(Setup(tmp_path / ".devstack"), "--no-pi", "--url-port", str(port))
        code, output = devstack.finish()
    assert code == 1
    assert output.splitlines() == [
        f"thermostat-devstack: port {port} (--url-port) is already in use on 127.0.0.1"
    ]
    assert not port_is_listening(devstack.port)


def test_moto_dying_is_said_once_and_make_dev_stops(
    start_devstack: Callable[..., Devstack],
) -> None:
    """moto_server killed under it: one line saying so, exit 1, functions stopped, no spam."""
    devstack = start_devstack("--no-pi")
    devstack.ready()
    lock = json.loads((devstack.state_dir / "devstack.lock").read_text())
    moto_pid = next(c["pid"] for c in lock["children"] if c["marker"] == "moto.server")

    os.kill(moto_pid, signal.SIGKILL)
    code, output = devstack.finish()

    assert code == 1
    said = [line for line in output.splitlines() if "moto_server" in line and "exited" in line]
    assert said == [
        f"thermostat-devstack: moto_server (pid {moto_pid}) exited with code -9; "
        f"its log: {devstack.state_dir / 'moto.log'}; stopping."
    ]
    assert "Traceback" not in output
    assert "connect" not in output.lower()
    assert functions_of_stack(devstack.stack_name) == []


def signed_request_bytes(url: str, body: bytes, endpoints: dict[str, str]) -> bytes:
    request = AWSRequest(
        method="POST", url=url, data=body, headers={"Content-Type": "application/json"}
    )
    credentials = Credentials(endpoints["access_key_id"], endpoints["secret_access_key"])
    SigV4Auth(credentials, "lambda", endpoints["region"]).add_auth(request)
    host = url.split("//", 1)[1].rstrip("/")
    lines = [f"{k}: {v}" for k, v in request.headers.items()]
    head = ["POST / HTTP/1.1", f"Host: {host}", *lines, f"Content-Length: {len(body)}", "", ""]
    return "\r\n".join(head).encode() + body


def read_response(answers: BinaryIO) -> tuple[bytes, bytes]:
    """One HTTP/1.1 response (head, body) of a Content-Length framed answer."""
    lines = []
    while (line := answers.readline()) not in (b"\r\n", b""):
        lines.append(line)
    head = b"".join(lines)
    length = next(
        int(line.split(b":", 1)[1]) for line in lines if line.lower().startswith(b"content-length:")
    )
    return head, answers.read(length)


def test_ctrl_c_lets_the_request_in_flight_finish(
    start_devstack: Callable[..., Devstack],
) -> None:
    """Ctrl-C mid-request: new connections are refused, the running request still gets
    its 200, then make dev exits 0 with no traceback."""
    devstack = start_devstack("--no-pi")
    endpoints = devstack.ready()
    url_port = int(endpoints["ingest_url"].rstrip("/").rsplit(":", 1)[1])
    raw = signed_request_bytes(endpoints["ingest_url"], json.dumps(READING).encode(), endpoints)
    with socket.create_connection(("127.0.0.1", url_port), timeout=30) as sock:
        answers = sock.makefile("rb")
        # One whole request first: the server has taken this connection (a connection still
        # in the listen backlog when Ctrl-C comes is a new one, and is refused).
        sock.sendall(raw)
        head, body = read_response(answers)
        assert head.startswith(b"HTTP/1.1 200 OK") and b"Connection: close" not in head
        sock.sendall(raw[:-10])  # the same again, but most of it: the request is in flight
        devstack.process.send_signal(signal.SIGINT)
        devstack.next_line("Stopping")
        wait_for(lambda: not port_is_listening(url_port), timeout=10)
        sock.sendall(raw[-10:])
        head, body = read_response(answers)
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"Connection: close" in head
    assert json.loads(body) == {"stored": 1}  # an identical resend is stored, once
    code, output = devstack.finish()
    assert (code, "Traceback" in output) == (0, False)


def test_env_points_a_bare_aws_sdk_at_make_dev(
    start_devstack: Callable[..., Devstack], tmp_path: Path
) -> None:
    """On a machine with no ~/.aws and no AWS_* variables, `eval "$(thermostat-devstack env)"`
    is all botocore (the AWS CLI's engine) needs to reach make dev's table."""
    devstack = start_devstack("--no-pi")
    endpoints = devstack.ready()
    home = tmp_path / "home"
    home.mkdir()
    script = (
        f'eval "$({DEVSTACK} env)" && '
        'python -c \'import boto3; print(boto3.client("dynamodb").list_tables()["TableNames"])\''
    )
    clean = {"PATH": str(Path(DEVSTACK).parent) + ":/usr/bin:/bin", "HOME": str(home)}
    result = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert endpoints["table_name"] in result.stdout


def test_env_without_make_dev_is_one_line(tmp_path: Path) -> None:
    """Outside a make dev checkout, `env` exits 1 with one line and prints no exports."""
    result = subprocess.run(
        [DEVSTACK, "env"], cwd=tmp_path, capture_output=True, text=True, timeout=30
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        "thermostat-devstack env: make dev is not running here (no .devstack/endpoints.json)"
    ]
    assert REPO.exists()


def test_ctrl_c_the_moment_it_is_ready_stops_cleanly(
    start_devstack: Callable[..., Devstack],
) -> None:
    """SIGINT as soon as endpoints.json exists (while the ready lines print): no traceback."""
    devstack = start_devstack("--no-pi")
    wait_for(devstack.endpoints_file.exists, timeout=60, interval=0.001)
    devstack.process.send_signal(signal.SIGINT)
    code, output = devstack.finish()
    assert code in (0, 130), output
    assert "Traceback" not in output
    assert not devstack.endpoints_file.exists()
