"""Health alerts through a real `make dev`: a Pi that stops is silent once, back once; a
broken furnace raises one heating fault. Read from `thermostat alerts --json` and from the
SNS topic (an SQS subscription), as a user and a machine would."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lambda_dataplane import children
from tests.e2e.devstack_process import Devstack, aws_client
from tests.support.pi_process import start_pi as start_simulated_pi
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
THERMOSTAT = str(Path(sys.executable).with_name("thermostat"))


def subscribe(endpoints: dict[str, Any], topic_arn: str) -> str:
    sqs = aws_client(endpoints, "sqs")
    queue = sqs.create_queue(QueueName="alerts-e2e")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    aws_client(endpoints, "sns").subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    return str(queue)


def kinds_on_topic(endpoints: dict[str, Any], queue: str, seen: list[str]) -> list[str]:
    page = aws_client(endpoints, "sqs").receive_message(
        QueueUrl=queue, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )
    seen.extend(m["MessageAttributes"]["kind"]["StringValue"] for m in page.get("Messages", []))
    return seen


def alerts_listed(devstack: Devstack, device: str) -> list[str]:
    done = subprocess.run(
        [THERMOSTAT, "alerts", "--device", device, "--since", "1h", "--json"],
        cwd=devstack.state_dir.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [json.loads(line)["kind"] for line in done.stdout.splitlines()]


def start_pi(
    tmp_path: Path, endpoints_file: Path, device: str, *extra: str, setpoint_c: float = 21
) -> subprocess.Popen[bytes]:
    config = tmp_path / f"{device}.toml"
    config.write_text(
        f'device_id = "{device}"\n'
        "interval_seconds = 0.5\n"
        f"setpoint_c = {setpoint_c}\n"
        "min_cycle_seconds = 0\n"
        f'spool_path = "{tmp_path / (device + ".db")}"\n\n'
        "[endpoint]\n"
        f'endpoints_file = "{endpoints_file}"\n',
        encoding="utf-8",
    )
    return start_simulated_pi(config, *extra, log=tmp_path / f"{device}.log")


def stop(pi: subprocess.Popen[bytes]) -> None:
    children.stop(pi, grace=30)


def test_a_pi_that_stops_is_silent_once_and_back_once(
    start_devstack: Callable[..., Devstack], tmp_path: Path
) -> None:
    """Silent after 6 s (the check every second): one silent, one back, on the topic too."""
    devstack = start_devstack(
        "--no-pi", "--param", "DeviceSilentAfterMinutes=0.1", "--schedule-interval", "1"
    )
    endpoints = devstack.ready()
    device = endpoints["device_id"]  # the identity make dev made: the Pi signs as it
    stack = aws_client(endpoints, "cloudformation").describe_stacks(StackName=devstack.stack_name)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Stacks"][0]["Outputs"]}
    queue = subscribe(endpoints, outputs["AlertTopicArn"])
    pi = start_pi(tmp_path, devstack.endpoints_file, device)
    on_topic: list[str] = []
    try:
        devstack.next_line(f"reading  {device}", timeout=30)
    finally:
        stop(pi)
    devstack.next_line(f"alert    {device}  {device}: no reading for", timeout=60)
    time.sleep(3)  # a few more checks: still one alert
    pi = start_pi(tmp_path, devstack.endpoints_file, device)
    try:  # kept running while the alerts are read: stopped, it would go silent again
        devstack.next_line(f"alert    {device}  {device}: back after", timeout=60)
        wait_for(lambda: len(kinds_on_topic(endpoints, queue, on_topic)) >= 2, timeout=30)
        time.sleep(2)
        assert kinds_on_topic(endpoints, queue, on_topic) == ["silent", "back"]
        assert alerts_listed(devstack, device) == ["silent", "back"]
    finally:
        stop(pi)


def test_a_broken_furnace_raises_one_heating_fault(
    start_devstack: Callable[..., Devstack], tmp_path: Path
) -> None:
    """Relay on for 6 s (setpoint 35 C) and the room not warming: one alert, on the topic too."""
    devstack = start_devstack("--no-pi", "--param", "HeatingFaultAfterMinutes=0.1")
    endpoints = devstack.ready()
    device = endpoints["device_id"]
    stack = aws_client(endpoints, "cloudformation").describe_stacks(StackName=devstack.stack_name)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Stacks"][0]["Outputs"]}
    queue = subscribe(endpoints, outputs["AlertTopicArn"])
    pi = start_pi(tmp_path, devstack.endpoints_file, device, "--broken-furnace", setpoint_c=35)
    on_topic: list[str] = []
    try:
        devstack.next_line(f"alert    {device}  {device}: heating on but not heating", timeout=90)
        time.sleep(3)  # more heating readings: still one alert
    finally:
        stop(pi)
    wait_for(lambda: len(kinds_on_topic(endpoints, queue, on_topic)) >= 1, timeout=30)
    time.sleep(2)
    assert kinds_on_topic(endpoints, queue, on_topic) == ["heating_not_heating"]
    assert alerts_listed(devstack, device) == ["heating_not_heating"]
