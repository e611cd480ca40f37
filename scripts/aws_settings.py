"""The AWS session `make push`/`deploy`/`destroy` use, from the usual AWS settings.

Region, account and profile come from where the AWS CLI and boto3 look (AWS_PROFILE,
AWS_REGION/AWS_DEFAULT_REGION, ~/.aws/config and credentials, SSO, instance roles);
AWS_ENDPOINT_URL points every client at an emulator. What is missing is said plainly.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions

ROOT = Path(__file__).resolve().parents[1]
# Written by `make push`, read by `make deploy`; PUSHED_IMAGES_FILE moves it (tests do).
PUSHED_IMAGES = Path(os.environ.get("PUSHED_IMAGES_FILE") or ROOT / ".deploy" / "images.json")
FUNCTIONS = ("ingest", "stream")


class SettingsError(Exception):
    """A setting is missing or wrong; the message says what to do."""


@dataclass(frozen=True)
class Aws:
    session: boto3.Session
    region: str
    account: str

    def client(self, name: str) -> Any:
        return self.session.client(name, region_name=self.region)  # type: ignore[call-overload]


def connect() -> Aws:
    """A session with a region, credentials and a known account, or a SettingsError."""
    profile = os.environ.get("AWS_PROFILE") or None
    try:
        session = boto3.Session(profile_name=profile)
    except botocore.exceptions.ProfileNotFound as err:
        raise SettingsError(
            f"AWS profile {profile!r} is not in ~/.aws/config: fix AWS_PROFILE "
            "or run `aws configure --profile NAME`"
        ) from err
    where = f"profile {profile!r}" if profile else "the default profile"
    # botocore itself reads only AWS_DEFAULT_REGION; the SDKs and Lambda set AWS_REGION.
    region = os.environ.get("AWS_REGION") or session.region_name
    if not region:
        raise SettingsError(
            f"no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or `region` for {where}"
            " in ~/.aws/config"
        )
    if session.get_credentials() is None:
        raise SettingsError(
            f"no AWS credentials for {where}: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or run `aws configure` / `aws sso login`"
        )
    try:
        account = session.client("sts", region_name=region).get_caller_identity()
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as err:
        raise SettingsError(f"the AWS credentials for {where} do not work: {err}") from err
    return Aws(session, region, str(account["Account"]))


def git_tag() -> str:
    """The short commit, with -dirty when the working tree has uncommitted changes."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError) as err:
        raise SettingsError("not a git checkout with a commit: set PUSH_TAG") from err
    return f"{commit}-dirty" if dirty else commit


def read_pushed_images(path: Path = PUSHED_IMAGES) -> dict[str, str]:
    """The image URIs of the last `make push` (INGEST_IMAGE_URI/STREAM_IMAGE_URI win)."""
    data: dict[str, str] = {}
    if path.exists():
        data = json.loads(path.read_text())
    for name in FUNCTIONS:
        override = os.environ.get(f"{name.upper()}_IMAGE_URI")
        if override:
            data[name] = override
    missing = [name for name in FUNCTIONS if not data.get(name)]
    if missing:
        raise SettingsError(
            f"no pushed image URI for {', '.join(missing)}: run `make push` first, "
            "or set INGEST_IMAGE_URI and STREAM_IMAGE_URI"
        )
    return data
