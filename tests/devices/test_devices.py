"""`thermostat device ...` and `thermostat set` against a deployed stack on moto_server."""

from __future__ import annotations

import io
import json
import tomllib
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.cli.helpers import Result
from tests.support.moto import MotoServer
from thermostat.contract import Reading
from thermostat.identities import device_path
from thermostat.items import DeviceReport, ReadingItem, StatusItem, to_wire
from thermostat_cli.main import main
from thermostat_cli.settings_changes import refuses

STACK = "thermostat"


def cli(*argv: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--stack", STACK, *argv], out=out, err=err)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def stack_env(stack: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The deployed stack; the command in a folder with no make dev."""
    monkeypatch.chdir(tmp_path)
    return stack


def device_user(name: str) -> dict[str, Any]:
    iam = boto3.client("iam")
    users = iam.list_users(PathPrefix=device_path(STACK, name))["Users"]
    assert len(users) == 1
    return dict(users[0])


def test_add_creates_a_user_with_only_the_device_policy_and_prints_the_pi_config(
    stack_env: dict[str, str],
) -> None:
    """device add: its own user (path and tag tie it to the name), the policy, a key, config."""
    result = cli("device", "add", "hall")
    assert result.code == 0, result.err
    user = device_user("hall")
    iam = boto3.client("iam")
    attached = iam.list_attached_user_policies(UserName=user["UserName"])["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [stack_env["PiDevicePolicyArn"]]
    assert iam.list_user_policies(UserName=user["UserName"])["PolicyNames"] == []
    tags = {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName=user["UserName"])["Tags"]}
    assert tags == {"thermostat:device": "hall", "thermostat:stack": STACK}
    config_text, keys_text = result.out.split("# --- /etc/thermostat-pi/keys.toml")
    config = tomllib.loads(config_text)
    assert config["device_id"] == "hall"
    assert config["endpoint"]["keys_file"] == "keys.toml"  # beside config.toml
    keys = tomllib.loads(keys_text.split("\n", 1)[1])
    assert keys["access_key_id"].startswith("AKIA") and len(keys["secret_access_key"]) >= 40
    assert "secret_access_key" not in config_text


def test_add_with_output_writes_both_files_mode_0600(
    stack_env: dict[str, str], tmp_path: Path
) -> None:
    """--output DIR: config.toml and keys.toml, readable by the owner only."""
    assert cli("device", "add", "attic", "--output", str(tmp_path / "pi")).code == 0
    for name in ("config.toml", "keys.toml"):
        assert (tmp_path / "pi" / name).stat().st_mode & 0o777 == 0o600
    assert "secret_access_key" in (tmp_path / "pi" / "keys.toml").read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("device", "add", "has space"), "'has space' is not a valid device id"),
        (("device", "add", "x!"), "'x!' is not a valid device id"),
        (("device", "remove", "nobody"), "no device 'nobody'"),
        (("set", "nobody", "--setpoint", "20"), "unknown device 'nobody'"),
    ],
)
def test_bad_names_are_refused_in_one_line(
    stack_env: dict[str, str], argv: tuple[str, ...], message: str
) -> None:
    """Invalid or unknown names: a non-zero exit and one line naming the problem."""
    result = cli(*argv)
    assert result.code != 0
    assert message in result.err and result.err.count("\n") == 1


def test_an_existing_device_is_refused(stack_env: dict[str, str]) -> None:
    """Adding a name twice: the second says it exists; the first keeps its only key."""
    assert cli("device", "add", "hall").code == 0
    again = cli("device", "add", "hall")
    assert again.code != 0 and "device 'hall' exists already" in again.err
    keys = boto3.client("iam").list_access_keys(UserName=device_user("hall")["UserName"])
    assert len(keys["AccessKeyMetadata"]) == 1


def seen(device: str, key: str, *, version: int | None = None) -> None:
    """A status item as if the device's newest reading was signed with ``key``."""
    now = datetime.now(UTC)
    status = StatusItem(
        device, now, now, 20.0, 21.0, False, caller_key=key,
        report=DeviceReport(settings_version=version, software="thermostat-pi/0.1.0"),
    )  # fmt: skip
    table = boto3.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    name = {o["OutputKey"]: o["OutputValue"] for o in table["Outputs"]}["TableName"]
    boto3.client("dynamodb").put_item(TableName=name, Item=to_wire(status.to_item()))


def test_list_shows_key_age_last_seen_and_software(stack_env: dict[str, str]) -> None:
    """device list --json: every device of the stack, with what the status item knows."""
    cli("device", "add", "hall")
    cli("device", "add", "attic")
    seen("hall", "AKIA-whatever")
    rows = cli("device", "list", "--json").out.splitlines()
    by_name = {row["device_id"]: row for row in map(json.loads, rows)}
    assert set(by_name) == {"attic", "hall"}
    assert by_name["hall"]["software"] == "thermostat-pi/0.1.0"
    assert by_name["attic"]["last_seen"] == "never"
    assert by_name["hall"]["keys"] == 1


def test_rotate_now_replaces_the_key_at_once(stack_env: dict[str, str]) -> None:
    """rotate-key --now: a new key printed, the old one deleted."""
    cli("device", "add", "hall")
    iam = boto3.client("iam")
    name = device_user("hall")["UserName"]
    [old] = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    result = cli("device", "rotate-key", "hall", "--now")
    assert result.code == 0, result.err
    [new] = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    assert new["AccessKeyId"] != old["AccessKeyId"]
    assert tomllib.loads(result.out)["access_key_id"] == new["AccessKeyId"]


def test_rotate_output_writes_the_new_keys_file_private(
    stack_env: dict[str, str], tmp_path: Path
) -> None:
    """rotate-key --now --output DIR: keys.toml with mode 0600, nothing secret on stdout."""
    cli("device", "add", "hall")
    result = cli("device", "rotate-key", "hall", "--now", "--output", str(tmp_path / "hall"))
    assert result.code == 0, result.err
    keys = tmp_path / "hall" / "keys.toml"
    assert keys.stat().st_mode & 0o777 == 0o600
    [new] = boto3.client("iam").list_access_keys(UserName=device_user("hall")["UserName"])[
        "AccessKeyMetadata"
    ]
    assert tomllib.loads(keys.read_text())["access_key_id"] == new["AccessKeyId"]
    assert result.out == ""


def test_rotate_deactivates_the_old_key_once_the_device_used_the_new_one(
    stack_env: dict[str, str],
) -> None:
    """rotate-key then --finish: the old key stays until a reading is signed with the new."""
    cli("device", "add", "hall")
    iam = boto3.client("iam")
    name = device_user("hall")["UserName"]
    waited = cli("device", "rotate-key", "hall", "--timeout", "0.02")
    assert waited.code != 0 and "rotate-key hall --finish" in waited.err
    keys = {
        k["AccessKeyId"]: k["Status"]
        for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    }
    assert list(keys.values()) == ["Active", "Active"]  # nothing lost while the Pi is offline
    new = tomllib.loads(waited.out)["access_key_id"]
    assert cli("device", "rotate-key", "hall", "--finish").code != 0  # not used yet
    seen("hall", new)
    assert cli("device", "rotate-key", "hall", "--finish").code == 0
    keys = {
        k["AccessKeyId"]: k["Status"]
        for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    }
    assert keys[new] == "Active" and sorted(keys.values()) == ["Active", "Inactive"]


def key_states(user: str) -> dict[str, str]:
    metadata = boto3.client("iam").list_access_keys(UserName=user)["AccessKeyMetadata"]
    return {k["AccessKeyId"]: k["Status"] for k in metadata}


def test_remove_deletes_the_identity_and_keeps_the_readings(stack_env: dict[str, str]) -> None:
    """device remove: user, keys and policy attachment gone; the readings stay."""
    cli("device", "add", "hall")
    table = stack_env["TableName"]
    reading = Reading(device_id="hall", recorded_at=datetime.now(UTC) - timedelta(minutes=1),
                      temperature_c=20.0, setpoint_c=21.0, heating=False)  # fmt: skip
    item = ReadingItem.new(reading, received_at=datetime.now(UTC), retention_days=0)
    boto3.client("dynamodb").put_item(TableName=table, Item=to_wire(item.to_item()))
    assert cli("device", "remove", "hall").code == 0
    assert boto3.client("iam").list_users(PathPrefix=device_path(STACK, "hall"))["Users"] == []
    assert boto3.client("dynamodb").get_item(TableName=table, Key=to_wire(item.key()))["Item"]


def test_set_writes_versioned_settings(stack_env: dict[str, str]) -> None:
    """set --setpoint then --schedule: version 1 then 2, each keeping the other's changes."""
    seen("hall", "k")
    assert cli("set", "hall", "--setpoint", "21.5").code == 0
    result = cli(
        "set", "hall", "--schedule", "mon-fri 06:30=21 22:30=17; sat,sun 08:00=21 23:00=17",
        "--timezone", "Europe/Berlin",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "settings version 2" in result.err
    from thermostat_cli.queries import Table

    settings = Table(boto3.client("dynamodb"), stack_env["TableName"]).settings("hall")
    assert settings is not None
    assert (settings.settings.version, settings.settings.setpoint_c) == (2, 21.5)
    assert settings.settings.schedule == "mon-fri 06:30=21 22:30=17; sat-sun 08:00=21 23:00=17"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--setpoint", "40"), "--setpoint: 40 C is outside 5..35 C"),
        (("--away-setpoint", "2"), "--away-setpoint: 2 C is outside 5..35 C"),
        (("--mode", "cool"), "invalid choice: 'cool'"),
        (("--schedule", "mon 25:00=20"), "--schedule: '25:00=20': 25:00 is not a time of day"),
        (("--schedule", "funday 08:00=20"), "'funday' is not a day"),
        (("--schedule", "mon 08:00=50"), "setpoint 50 C is outside 5..35 C"),
        (("--timezone", "Mars/Olympus"), "--timezone: unknown time zone 'Mars/Olympus'"),
        ((), "nothing to set"),
    ],
)
def test_bad_settings_are_one_line_naming_the_field_and_range(
    stack_env: dict[str, str],
    argv: tuple[str, ...],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each bad value: exit 2 and one line that names the option and what is allowed."""
    seen("hall", "k")
    try:
        result = cli("set", "hall", *argv)
    except SystemExit as exit_:  # argparse's own refusals (choices)
        assert exit_.code == 2
        assert message in capsys.readouterr().err
        return
    assert result.code == 2
    assert message in result.err and result.err.count("\n") == 1


def test_set_wait_returns_once_the_device_reports_the_version(
    stack_env: dict[str, str],
) -> None:
    """--wait: done when the status says the device runs the new version; else a timeout."""
    seen("hall", "k", version=0)
    late = cli("set", "hall", "--setpoint", "22", "--wait", "--timeout", "1s")
    assert late.code != 0 and "has not applied settings version 1 within 1s" in late.err
    seen("hall", "k", version=2)
    done = cli("set", "hall", "--setpoint", "23", "--wait", "--timeout", "5s")
    assert done.code == 0, done.err
    assert "applied at" in done.err


def test_status_shows_desired_and_applied_settings(stack_env: dict[str, str]) -> None:
    """status --json: the desired version and what it does, the version the device runs."""
    seen("hall", "k", version=1)
    cli("set", "hall", "--mode", "away")
    row = json.loads(cli("status", "--json").out)
    assert (row["desired_settings_version"], row["applied_settings_version"]) == (1, 1)
    assert row["desired_settings"] == "away (10 C)"


def test_a_caller_without_iam_rights_gets_one_line(
    stack_env: dict[str, str], moto: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """IAM says no (moto enforcing IAM for a read-only user): one line, not a traceback."""
    iam = boto3.client("iam")
    iam.create_user(UserName="viewer")
    iam.put_user_policy(
        UserName="viewer",
        PolicyName="read-only",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["cloudformation:Describe*", "iam:Get*", "iam:List*", "sts:*"],
                        "Resource": "*",
                    }
                ],
            }
        ),
    )
    key = iam.create_access_key(UserName="viewer")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    enforce_iam(moto, "0")  # every request from now on is checked against IAM
    try:
        result = cli("device", "add", "hall")
    finally:
        enforce_iam(moto, "inf")
    assert result.code != 0
    assert result.err.startswith("thermostat: not allowed to create the IAM user of device")
    assert "iam:CreateUser" in result.err and result.err.count("\n") == 1


def enforce_iam(moto: MotoServer, unchecked_requests: str) -> None:
    """moto's own IAM enforcement: the first N requests are free, then policies decide."""
    request = urllib.request.Request(
        f"{moto.endpoint_url}/moto-api/reset-auth",
        data=unchecked_requests.encode(),
        headers={"Content-Type": "text/plain"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


@pytest.mark.parametrize(
    ("settings_error", "version", "refused"),
    [
        ("version 3 refused: setpoint_c: too high", 3, True),
        ("version 10 refused: setpoint_c: too high", 1, False),
        ("version 3 refused: not newer than version 5 in force", 5, False),
        ("settings version 4 applied but not saved (disk full)", 4, False),
    ],
)
def test_a_refusal_names_its_own_version_only(
    settings_error: str, version: int, refused: bool
) -> None:
    """thermostat set reads a refusal of version N only from the version the device refused."""
    assert refuses(settings_error, version) is refused
