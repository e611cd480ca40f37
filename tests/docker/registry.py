"""Debian's docker-registry (the CNCF distribution registry) on 127.0.0.1, for `make push` tests."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.support.moto import free_port

MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"


class Registry:
    def __init__(self, port: int) -> None:
        self.address = f"127.0.0.1:{port}"

    def get(self, path: str, accept: str = MANIFEST_V2) -> tuple[bytes, dict[str, str]]:
        request = urllib.request.Request(f"http://{self.address}{path}", headers={"Accept": accept})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.read(), dict(answer.headers)


@contextlib.contextmanager
def running_registry(workdir: Path) -> Iterator[Registry]:
    binary = shutil.which("docker-registry")
    if binary is None:
        raise RuntimeError("docker-registry is not installed (make test-e2e installs it)")
    port = free_port()
    config = workdir / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        f"storage:\n  filesystem:\n    rootdirectory: {workdir / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    with (workdir / "registry.log").open("wb") as log:
        process = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=log)
    registry = Registry(port)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                registry.get("/v2/")
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("docker-registry did not start") from None
                time.sleep(0.05)
        yield registry
    finally:
        process.terminate()
        process.wait(timeout=10)
