"""Device identities in the emulator's IAM, made the way AWS would have them.

A device signs as its own IAM user with the stack's ``PiDevicePolicy`` attached (docs/aws.md
does the same on AWS), so the local Function URL evaluates the very policy AWS will. Reusable
by ``thermostat device add`` (issue 13): :func:`create_device_user` returns the new keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from devstack.errors import DevstackError

USER_PREFIX = "thermostat-device-"


class IdentityError(DevstackError, RuntimeError):
    """A device user could not be created in the emulator's IAM."""


@dataclass(frozen=True)
class DeviceKeys:
    device_id: str
    user_name: str
    user_arn: str
    access_key_id: str
    secret_access_key: str

    def __repr__(self) -> str:  # keeps the secret out of logs and tracebacks
        return f"DeviceKeys(device_id={self.device_id!r}, user_arn={self.user_arn!r})"


def device_user_name(device_id: str) -> str:
    """IAM user names allow [\\w+=,.@-], up to 64 characters."""
    return (USER_PREFIX + re.sub(r"[^\w+=,.@-]", "-", device_id))[:64]


def create_device_user(iam: Any, *, device_id: str, policy_arn: str) -> DeviceKeys:
    """Create (or reuse) the device's user, attach the device policy, and give it a new key.

    iam: a boto3 IAM client on the emulator. A user that already exists keeps its other keys.
    """
    name = device_user_name(device_id)
    try:
        try:
            user = iam.create_user(UserName=name, Tags=[{"Key": "device_id", "Value": device_id}])
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "EntityAlreadyExists":
                raise
            user = iam.get_user(UserName=name)
        iam.attach_user_policy(UserName=name, PolicyArn=policy_arn)
        key = iam.create_access_key(UserName=name)["AccessKey"]
    except (ClientError, BotoCoreError) as err:
        raise IdentityError(f"cannot create the IAM user of device {device_id!r}: {err}") from err
    return DeviceKeys(
        device_id, name, user["User"]["Arn"], key["AccessKeyId"], key["SecretAccessKey"]
    )
