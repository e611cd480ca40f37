"""Access key -> IAM principal: its secret (to check a signature) and its identity policies.

Two directories, tried in turn by :class:`PrincipalDirectory`:
* :class:`StaticPrincipals`: keys given on the command line (the stack's admin key);
* :class:`EmulatorIam`: the IAM users of the emulator, read through the IAM API (user, inline
  and attached managed policies, its groups' inline and attached policies), as AWS evaluates
  them (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
  IAM's API never returns a secret key after CreateAccessKey, so secrets come from a
  ``SecretSource``: :func:`moto_secrets` reads moto's own model dump.
Policies are cached for a moment (``ttl``): IAM changes take seconds to apply on AWS too
(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from lambda_dataplane.iam import NamedPolicy
from lambda_dataplane.sigv4 import Credential

log = logging.getLogger(__name__)

SecretSource = Callable[[str], str | None]
ALLOW_ALL = NamedPolicy(
    "AdministratorAccess",
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
)


@dataclass(frozen=True)
class Principal:
    access_key_id: str
    secret_access_key: str
    arn: str
    account_id: str
    user_id: str
    user_name: str
    policies: tuple[NamedPolicy, ...] = field(default=(), repr=False)

    def credential(self) -> Credential:
        return Credential(self.secret_access_key, self.account_id, self.arn, self.user_id)


def admin_principal(
    access_key_id: str, secret: str, *, account_id: str, name: str = "local-admin"
) -> Principal:
    """An administrator key of the account: an IAM user with AdministratorAccess."""
    arn = f"arn:aws:iam::{account_id}:user/{name}"
    return Principal(access_key_id, secret, arn, account_id, access_key_id, name, (ALLOW_ALL,))


class Directory(Protocol):
    def lookup(self, access_key_id: str) -> Principal | None: ...


class StaticPrincipals:
    """Fixed principals by access key (e.g. the local stack's admin key, allowed everything)."""

    def __init__(self, principals: Iterable[Principal]) -> None:
        self._by_key = {p.access_key_id: p for p in principals}

    def lookup(self, access_key_id: str) -> Principal | None:
        return self._by_key.get(access_key_id)


class PrincipalDirectory:
    """The first directory that knows a key answers; also a credential lookup for SigV4."""

    def __init__(self, *directories: Directory) -> None:
        self.directories = directories

    def lookup(self, access_key_id: str) -> Principal | None:
        for directory in self.directories:
            found = directory.lookup(access_key_id)
            if found is not None:
                return found
        return None

    def credential(self, access_key_id: str) -> Credential | None:
        found = self.lookup(access_key_id)
        return found.credential() if found else None


def moto_secrets(endpoint_url: str, *, min_refresh: float = 1.0) -> SecretSource:
    """Secrets of moto's access keys, from its /moto-api/data.json (fetched again on a miss,
    at most once per ``min_refresh`` seconds, so unknown keys cannot make it a hot loop)."""
    known: dict[str, str] = {}
    lock = threading.Lock()
    last = [float("-inf")]

    def fetch() -> None:
        url = f"{endpoint_url.rstrip('/')}/moto-api/data.json"
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - the local emulator
            data = json.load(answer)
        for key in data.get("iam", {}).get("AccessKey", []):
            if key.get("access_key_id") and key.get("secret_access_key"):
                known[key["access_key_id"]] = key["secret_access_key"]

    def secret(access_key_id: str) -> str | None:
        with lock:
            if access_key_id not in known and time.monotonic() - last[0] >= min_refresh:
                last[0] = time.monotonic()
                try:
                    fetch()
                except (OSError, ValueError) as err:
                    log.warning("cannot read access keys from %s: %s", endpoint_url, err)
            return known.get(access_key_id)

    return secret


class EmulatorIam:
    """IAM users of the emulator, through its IAM API. iam: a boto3 IAM client."""

    def __init__(self, iam: Any, secrets: SecretSource, *, ttl: float = 2.0) -> None:
        self._iam, self._secrets, self._ttl = iam, secrets, ttl
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    def lookup(self, access_key_id: str) -> Principal | None:
        with self._lock:
            cached = self._cache.get(access_key_id)
            if cached is not None and time.monotonic() - cached[0] < self._ttl:
                return cached[1]
        found = self._read(access_key_id)
        with self._lock:
            self._cache[access_key_id] = (time.monotonic(), found)
        return found

    def _read(self, access_key_id: str) -> Principal | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            user = self._owner(access_key_id)
            if user is None:
                return None
            secret = self._secrets(access_key_id)
            if secret is None:
                log.warning(
                    "access key %s of %s: its secret is unknown here",
                    access_key_id,
                    user["UserName"],
                )
                return None
            policies = tuple(self._policies(user["UserName"]))
        except (BotoCoreError, ClientError) as err:
            log.warning("IAM lookup of %s failed: %s", access_key_id, err)
            return None
        arn = str(user["Arn"])
        return Principal(
            access_key_id,
            secret,
            arn,
            arn.split(":")[4],
            str(user["UserId"]),
            str(user["UserName"]),
            policies,
        )

    def _owner(self, access_key_id: str) -> Mapping[str, Any] | None:
        for page in self._iam.get_paginator("list_users").paginate():
            for user in page["Users"]:
                keys = self._iam.list_access_keys(UserName=user["UserName"])["AccessKeyMetadata"]
                for key in keys:
                    if key["AccessKeyId"] == access_key_id:
                        # An inactive key is refused like an unknown one (AWS: 403).
                        return user if key.get("Status", "Active") == "Active" else None
        return None

    def _policies(self, user_name: str) -> Iterable[NamedPolicy]:
        iam = self._iam
        for name in iam.list_user_policies(UserName=user_name)["PolicyNames"]:
            doc = iam.get_user_policy(UserName=user_name, PolicyName=name)["PolicyDocument"]
            yield NamedPolicy.parse(f"user {user_name} inline policy {name}", doc)
        for attached in iam.list_attached_user_policies(UserName=user_name)["AttachedPolicies"]:
            yield self._managed(attached["PolicyArn"])
        for group in iam.list_groups_for_user(UserName=user_name)["Groups"]:
            group_name = group["GroupName"]
            for name in iam.list_group_policies(GroupName=group_name)["PolicyNames"]:
                doc = iam.get_group_policy(GroupName=group_name, PolicyName=name)["PolicyDocument"]
                yield NamedPolicy.parse(f"group {group_name} inline policy {name}", doc)
            for attached in iam.list_attached_group_policies(GroupName=group_name)[
                "AttachedPolicies"
            ]:
                yield self._managed(attached["PolicyArn"])

    def _managed(self, arn: str) -> NamedPolicy:
        version = self._iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        doc = self._iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"][
            "Document"
        ]
        return NamedPolicy.parse(f"managed policy {arn}", doc)
