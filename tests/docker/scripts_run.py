"""Running the `make push`/`deploy`/`destroy` scripts as processes, and checking on moto."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from tests.docker.harness import ROOT
from tests.support.moto import MotoServer


def run(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def aws(moto: MotoServer, service: str) -> Any:
    return moto.client(service)


def head_commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
