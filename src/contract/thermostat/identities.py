"""Which device an IAM identity speaks for: the naming convention of device users.

``thermostat device add NAME`` creates each device's own IAM user under the path
``/thermostat/<stack>/device/<NAME>/``, so the caller's ARN that Lambda puts in the Function
URL event (``requestContext.authorizer.iam.userArn``, which includes the path) names the device
it may write for, with no lookup. Any other identity (the owner's) is not a device.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-friendly-names
"""

from __future__ import annotations

import hashlib
import re

PATH_ROOT = "thermostat"
USER_NAME_LIMIT = 64  # IAM: up to 64 characters of [\w+=,.@-]
TAG_DEVICE = "thermostat:device"
TAG_STACK = "thermostat:stack"


def device_path(stack: str, device_id: str) -> str:
    return f"/{PATH_ROOT}/{stack}/device/{device_id}/"


def devices_path_prefix(stack: str) -> str:
    """The path prefix under which every device user of ``stack`` lives (for ListUsers)."""
    return f"/{PATH_ROOT}/{stack}/device/"


def device_user_name(stack: str, device_id: str) -> str:
    """A user name unique in the account: ``<stack>-<device>``, shortened with a hash if long."""
    name = re.sub(r"[^\w+=,.@-]", "_", f"{stack}-{device_id}")
    if len(name) <= USER_NAME_LIMIT:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return f"{name[: USER_NAME_LIMIT - 11]}-{digest}"


def device_of_user_arn(user_arn: str | None, stack: str) -> str | None:
    """The device an IAM user ARN speaks for under ``stack``, or None (not a device)."""
    if not user_arn or ":user/" not in user_arn:
        return None
    path = "/" + user_arn.split(":user/", 1)[1]
    prefix = devices_path_prefix(stack)
    if not path.startswith(prefix):
        return None
    device, _, name = path[len(prefix) :].partition("/")
    return device if device and name and "/" not in name else None
