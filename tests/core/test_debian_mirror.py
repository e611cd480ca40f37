"""scripts/lib/debian-mirror.sh: the one place the Debian-fetching scripts find their mirror."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

LIB = Path(__file__).resolve().parents[2] / "scripts" / "lib" / "debian-mirror.sh"


def debian_mirror(**env: str) -> subprocess.CompletedProcess[str]:
    """`debian_mirror` in a strict bash, as the scripts that source the file run it."""
    return subprocess.run(
        ["bash", "-c", 'set -euo pipefail; source "$1"; debian_mirror', "bash", str(LIB)],
        env={k: v for k, v in os.environ.items() if k != "DEBIAN_MIRROR"} | env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_debian_mirror_from_the_environment_wins() -> None:
    """DEBIAN_MIRROR, when set, is the answer whatever the host's apt sources say."""
    done = debian_mirror(DEBIAN_MIRROR="http://127.0.0.1:9/debian")
    assert (done.returncode, done.stdout) == (0, "http://127.0.0.1:9/debian\n")


def test_debian_mirror_without_the_environment_is_a_debian_url() -> None:
    """Unset: the host's mirror or deb.debian.org, one URL, under `set -euo pipefail`."""
    done = debian_mirror()
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("http") and done.stdout.rstrip("\n").endswith(
        ("/debian", "/debian/")
    )
