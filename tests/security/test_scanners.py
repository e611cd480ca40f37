"""make lint's scanners: the template is clean, and a new finding fails them.

The IAM lint (scripts/iam_lint.py) runs here on variants of the template; checkov runs from
its own environment ($(VENV)/scan, made by `make lint`), so its tests need that first.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.security.stack_policies import REPO, TEMPLATE
from tests.support.tools import require

CHECKOV = REPO / ".venv" / "scan" / "bin" / "checkov"
needs_checkov = require(CHECKOV.exists(), "checkov is installed by `make lint` (make scan-venv)")


def variant(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    body = yaml.safe_load(TEMPLATE.read_text())
    change(body)
    path = tmp_path / "template.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return path


def iam_lint(template: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / "iam_lint.py"), str(template)],
        capture_output=True,
        text=True,
        check=False,
    )


def statements(body: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return body["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]


def test_template_passes_the_iam_lint() -> None:
    """parliament and our rules find nothing the template does not explain."""
    result = iam_lint(TEMPLATE)
    assert (result.returncode, result.stdout) == (0, "")


def _wildcard_action(body: dict[str, Any]) -> None:
    """A new "dynamodb:*" in a role."""
    statements(body, "IngestFunctionRole")[0]["Action"] = "dynamodb:*"


def _star_resource(body: dict[str, Any]) -> None:
    """A "*" resource not listed in the role's Metadata."""
    statements(body, "HealthFunctionRole")[0]["Resource"] = "*"


def _unknown_action(body: dict[str, Any]) -> None:
    """An action that does not exist: parliament's finding."""
    statements(body, "IngestFunctionRole")[0]["Action"] = ["dynamodb:PutItems"]


def _lazy_skip(body: dict[str, Any]) -> None:
    """A checkov skip whose comment says nothing a reviewer can judge."""
    body["Resources"]["ReadingsTable"]["Metadata"]["checkov"]["skip"][0]["comment"] = "n/a"


def _stale_skip(body: dict[str, Any]) -> None:
    """A parliament skip that matches no finding any more (reported, so skips stay true)."""
    statements(body, "StreamFunctionRole")[0]["Resource"] = {
        "Fn::Sub": "${ReadingsTable.Arn}/stream/label-without-colons"
    }


@pytest.mark.parametrize(
    ("change", "finding"),
    [
        pytest.param(_wildcard_action, "IngestFunctionRole: WILDCARD_ACTION", id="wildcard-action"),
        pytest.param(
            _star_resource, "HealthFunctionRole: STAR_RESOURCE_WITHOUT_REASON", id="star-resource"
        ),
        pytest.param(_unknown_action, "IngestFunctionRole: UNKNOWN_ACTION", id="unknown-action"),
        pytest.param(
            _lazy_skip, "ReadingsTable: SKIP_WITHOUT_REASON: checkov CKV_AWS_119", id="lazy-skip"
        ),
        pytest.param(
            _stale_skip,
            "StreamFunctionRole: STALE_SKIP: parliament RESOURCE_MISMATCH",
            id="stale-skip",
        ),
    ],
)
def test_a_new_finding_fails_the_iam_lint(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], finding: str
) -> None:
    """Each kind of finding, written into a copy of the template, fails lint and is named."""
    result = iam_lint(variant(tmp_path, change))
    assert result.returncode == 1
    assert finding in result.stdout


def checkov(template: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECKOV), "--file", str(template), "--framework", "cloudformation",
         "--skip-download", "--compact", "--quiet"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


@needs_checkov
def test_checkov_reports_no_failed_check() -> None:
    """checkov: every check passes or is skipped with a reason in the template."""
    result = checkov(TEMPLATE)
    assert result.returncode == 0, result.stdout
    assert "Failed checks: 0" in result.stdout


@needs_checkov
def test_new_checkov_finding_fails(tmp_path: Path) -> None:
    """Without its concurrency cap a function fails CKV_AWS_115, and so `make lint`."""

    def uncapped(body: dict[str, Any]) -> None:
        del body["Resources"]["IngestFunction"]["Properties"]["ReservedConcurrentExecutions"]

    result = checkov(variant(tmp_path, uncapped))
    assert result.returncode == 1
    assert "CKV_AWS_115" in result.stdout and "IngestFunction" in result.stdout
