"""Device identities in IAM: add, list, rotate keys, remove.

Each device is its own IAM user, under the path ``/thermostat/<stack>/device/<name>/`` and
tagged with its name and stack (thermostat.identities), with the stack's device policy
attached and nothing else: it may call the ingest Function URL, and the ingest function lets
it write only its own readings. Its keys go on the Pi only.
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from thermostat.contract import DEVICE_ID_PATTERN
from thermostat.identities import (
    TAG_DEVICE,
    TAG_STACK,
    device_path,
    device_user_name,
    devices_path_prefix,
)
from thermostat_cli.errors import CliError, ConfigProblem, UnknownDevice

MAX_KEYS = 2  # IAM's limit of access keys per user


class DeviceError(CliError, RuntimeError):
    """A device operation IAM refused; the message says what and why, in one line."""


class DeviceExists(DeviceError):
    pass


@dataclass(frozen=True)
class DeviceKeys:
    device_id: str
    user_name: str
    user_arn: str
    access_key_id: str
    secret_access_key: str

    def __repr__(self) -> str:  # keeps the secret out of logs and tracebacks
        return f"DeviceKeys(device_id={self.device_id!r}, access_key_id={self.access_key_id!r})"


@dataclass(frozen=True)
class AccessKey:
    access_key_id: str
    status: str  # Active or Inactive
    created: datetime


@dataclass(frozen=True)
class Device:
    device_id: str
    user_name: str
    user_arn: str
    created: datetime
    keys: tuple[AccessKey, ...]


def check_name(name: str) -> None:
    if re.fullmatch(DEVICE_ID_PATTERN, name) is None:
        raise ConfigProblem(
            f"{name!r} is not a valid device id: 1-64 of A-Z a-z 0-9 _ . : -,"
            " starting with a letter or digit"
        )


@contextmanager
def iam_errors(what: str) -> Iterator[None]:
    """IAM's refusals as one line: who may not do what."""
    from botocore.exceptions import ClientError

    try:
        yield
    except ClientError as err:
        error = err.response.get("Error", {})
        code, message = error.get("Code", "?"), error.get("Message", "")
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            raise DeviceError(f"not allowed to {what}: {message}") from err
        if code == "NoSuchEntity":
            raise UnknownDevice(f"cannot {what}: {message}") from err
        raise DeviceError(f"cannot {what}: {code}: {message}") from err


class Devices:
    """The device users of one stack, through an IAM client."""

    def __init__(
        self,
        iam: Any,
        stack: str,
        *,
        policy_arn: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.iam, self.stack, self.policy_arn, self.clock = iam, stack, policy_arn, clock

    def _user(self, name: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            user: dict[str, Any] = self.iam.get_user(UserName=device_user_name(self.stack, name))[
                "User"
            ]
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") == "NoSuchEntity":
                return None
            raise
        return user if user.get("Path") == device_path(self.stack, name) else None

    def add(self, name: str) -> DeviceKeys:
        """Create the device's user with the device policy, and its first access key."""
        check_name(name)
        if self.policy_arn is None:
            raise ConfigProblem(f"stack {self.stack!r} has no PiDevicePolicyArn output")
        user_name = device_user_name(self.stack, name)
        with iam_errors(f"look up device {name!r}"):
            existing = self._user(name)
        if existing is not None:
            created = existing["CreateDate"]
            raise DeviceExists(f"device {name!r} exists already (created {created:%Y-%m-%d})")
        with iam_errors(f"create the IAM user of device {name!r}"):
            user = self.iam.create_user(
                UserName=user_name,
                Path=device_path(self.stack, name),
                Tags=[
                    {"Key": TAG_DEVICE, "Value": name},
                    {"Key": TAG_STACK, "Value": self.stack},
                ],
            )["User"]
            self.iam.attach_user_policy(UserName=user_name, PolicyArn=self.policy_arn)
            key = self.iam.create_access_key(UserName=user_name)["AccessKey"]
        return DeviceKeys(name, user_name, user["Arn"], key["AccessKeyId"], key["SecretAccessKey"])

    def get(self, name: str) -> Device:
        check_name(name)
        with iam_errors(f"look up device {name!r}"):
            user = self._user(name)
            if user is None:
                raise UnknownDevice(f"no device {name!r} in stack {self.stack!r}")
            return self._device(name, user)

    def _device(self, name: str, user: dict[str, Any]) -> Device:
        keys = self.iam.list_access_keys(UserName=user["UserName"])["AccessKeyMetadata"]
        return Device(
            device_id=name,
            user_name=user["UserName"],
            user_arn=user["Arn"],
            created=user["CreateDate"],
            keys=tuple(
                AccessKey(k["AccessKeyId"], k["Status"], k["CreateDate"])
                for k in sorted(keys, key=lambda k: k["CreateDate"])
            ),
        )

    def list(self) -> list[Device]:
        prefix = devices_path_prefix(self.stack)
        devices = []
        with iam_errors(f"list the devices of stack {self.stack!r}"):
            for page in self.iam.get_paginator("list_users").paginate(PathPrefix=prefix):
                for user in page["Users"]:
                    name = str(user["Path"])[len(prefix) :].strip("/")
                    if name and "/" not in name:
                        devices.append(self._device(name, user))
        return sorted(devices, key=lambda d: d.device_id)

    def new_key(self, name: str) -> DeviceKeys:
        """A second key, beside the one the Pi uses now (IAM allows two per user)."""
        device = self.get(name)
        if len(device.keys) >= MAX_KEYS:
            inactive = [k for k in device.keys if k.status != "Active"]
            if not inactive:
                raise DeviceError(
                    f"device {name!r} has {MAX_KEYS} active keys already: finish the last"
                    f" rotation first (thermostat device rotate-key {name} --now)"
                )
            self.delete_key(name, inactive[0].access_key_id)
        with iam_errors(f"create a key for device {name!r}"):
            key = self.iam.create_access_key(UserName=device.user_name)["AccessKey"]
        return DeviceKeys(
            name, device.user_name, device.user_arn, key["AccessKeyId"], key["SecretAccessKey"]
        )

    def deactivate_key(self, name: str, access_key_id: str) -> None:
        with iam_errors(f"deactivate key {access_key_id} of device {name!r}"):
            self.iam.update_access_key(
                UserName=device_user_name(self.stack, name),
                AccessKeyId=access_key_id,
                Status="Inactive",
            )

    def delete_key(self, name: str, access_key_id: str) -> None:
        with iam_errors(f"delete key {access_key_id} of device {name!r}"):
            self.iam.delete_access_key(
                UserName=device_user_name(self.stack, name), AccessKeyId=access_key_id
            )

    def remove(self, name: str) -> Device:
        """Delete the device's keys, policies and user; its readings stay in the table."""
        device = self.get(name)
        user = device.user_name
        with iam_errors(f"remove device {name!r}"):
            for key in device.keys:
                self.iam.delete_access_key(UserName=user, AccessKeyId=key.access_key_id)
            for page in self.iam.get_paginator("list_attached_user_policies").paginate(
                UserName=user
            ):
                for policy in page["AttachedPolicies"]:
                    self.iam.detach_user_policy(UserName=user, PolicyArn=policy["PolicyArn"])
            for page in self.iam.get_paginator("list_user_policies").paginate(UserName=user):
                for policy_name in page["PolicyNames"]:
                    self.iam.delete_user_policy(UserName=user, PolicyName=policy_name)
            self.iam.delete_user(UserName=user)
        return device
