"""Where keys never go: the images' build context, the template, the logs.

Cheap and honest rather than complete: the images can only hold what .dockerignore lets
into the build context, so every file it lets in is scanned for key material (AWS access key
ids, secret keys written out, private keys); the template is scanned the same way and its
functions' environment must name nothing secret; and a Pi refused with a wrong key, with
every logger at DEBUG, must not print its secret anywhere.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from lambda_dataplane import InvocationResult
from lambda_dataplane.function_url import FunctionUrlServer
from lambda_dataplane.sigv4 import Credential
from tests.security.stack_policies import REPO, TEMPLATE
from thermostat.contract import Reading
from thermostat_pi.endpoint import Endpoint
from thermostat_pi.spool import Spool
from thermostat_pi.uploader import Uploader, make_auth

# Shapes of real key material (AWS's documented key id prefixes; a 40-character secret).
KEY_MATERIAL = [
    re.compile(r"\b(AKIA|ASIA|AROA|AIDA)[A-Z2-7]{16}\b"),
    re.compile(r"(?i)secret_access_key\W{1,5}[A-Za-z0-9/+]{40}\b"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
]
FORBIDDEN_NAMES = {"keys.toml", "endpoints.json", "credentials", ".env", "config.toml"}
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1"  # the shape of a real secret key


def build_context() -> list[Path]:
    """Files .dockerignore lets into the build context (it allow-lists; see its header)."""
    lines = (REPO / ".dockerignore").read_text().splitlines()
    assert "*" in lines, ".dockerignore no longer starts from nothing: rethink this test"
    allowed = [line[1:].rstrip("/") for line in lines if line.startswith("!")]
    files = []
    for entry in allowed:
        path = REPO / entry
        found = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        files.extend(p for p in found if "__pycache__" not in p.parts and p.suffix != ".pyc")
    return files


def key_material(text: str) -> list[str]:
    return [match.group(0) for pattern in KEY_MATERIAL for match in pattern.finditer(text)]


def test_scanner_finds_key_material() -> None:
    """The patterns catch a key id, a written-out secret and a PEM private key."""
    text = f"AKIAIOSFODNN7EXAMPLE\nsecret_access_key = {SECRET}\n-----BEGIN RSA PRIVATE KEY-----"
    assert len(key_material(text)) == 3


def test_images_copy_only_the_build_context() -> None:
    """Every COPY of the three Dockerfiles takes its files from the allow-listed context."""
    allowed = [str(p.relative_to(REPO)) for p in build_context()]
    for dockerfile in REPO.glob("Dockerfile.*"):
        for line in dockerfile.read_text().splitlines():
            if line.startswith(("COPY", "ADD")) and "--from=" not in line:
                source = line.split()[1]
                assert any(name.startswith(source) for name in allowed), (dockerfile, line)


def test_build_context_holds_no_key_material() -> None:
    """No file the images may contain holds key material or is a keys or endpoints file."""
    files = build_context()
    assert len(files) > 20  # the packages are there: the walk itself works
    for path in files:
        assert path.name not in FORBIDDEN_NAMES, path
        assert key_material(path.read_text(errors="replace")) == [], path


def test_template_holds_no_key_material_and_no_secret_setting() -> None:
    """No key in the template; no function environment variable or parameter is a secret."""
    text = TEMPLATE.read_text()
    assert key_material(text) == []
    body = yaml.safe_load(text)
    secretive = re.compile(r"(?i)secret|password|token|access_?key|private")
    for name, resource in body["Resources"].items():
        variables = (resource.get("Properties", {}).get("Environment") or {}).get("Variables", {})
        assert not [v for v in variables if secretive.search(v)], name
    assert not [p for p in body["Parameters"] if secretive.search(p)]


class Refusing:
    """An invoker that must never run: the URL refuses the signature first."""

    def invoke(self, payload: bytes, *, timeout: float | None = None) -> InvocationResult:
        raise AssertionError("invoked despite a bad signature")


@pytest.fixture
def iam_url() -> Iterator[str]:
    server = FunctionUrlServer(
        Refusing(),
        auth_type="AWS_IAM",
        credentials={"AKIDPIDEVICE00000001": Credential("the-right-secret", "111122223333")},
        region="us-east-1",
    )
    server.start()
    yield server.url
    server.stop()


def test_pi_and_data_plane_logs_never_show_the_secret_key(
    iam_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A Pi signing with a wrong secret is refused; at DEBUG, no log line shows its secret."""
    caplog.set_level(logging.DEBUG)
    spool = Spool(tmp_path / "spool.db")
    spool.append(
        Reading.model_validate(
            {"device_id": "hall", "recorded_at": "2026-01-01T00:00:00Z",
             "temperature_c": 20.0, "setpoint_c": 20.5, "heating": False}
        )
    )  # fmt: skip
    endpoint = Endpoint(iam_url, "AWS_IAM", "us-east-1", "AKIDPIDEVICE00000001", SECRET, None)
    logging.getLogger("tests.security").info("endpoint %s / %r", endpoint, endpoint)
    uploader = Uploader(
        spool=spool,
        url=iam_url,
        auth=make_auth("AWS_IAM", region="us-east-1", access_key_id=endpoint.access_key_id,
                       secret_access_key=SECRET),
        sleep=lambda _: None,
    )  # fmt: skip
    outcome = uploader.send_once()
    assert outcome.error is not None and "403" in outcome.error
    assert "signature mismatch" in caplog.text  # the data plane explained the refusal
    assert SECRET not in caplog.text
    assert SECRET not in (spool.status().last_error or "")
