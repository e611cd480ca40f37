"""The template's parameter table in docs/template.md, made from infra/template.yaml.

The template's ``Description``, ``Default`` and limits are the one home of what a parameter
does; this writes them into the doc between the ``parameters:start``/``parameters:end``
markers (``--write``), or says whether the doc is current (``--check``, run by the tests).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "infra" / "template.yaml"
DOC = ROOT / "docs" / "template.md"
START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"


def _limits(spec: dict[str, Any]) -> str:
    if "AllowedValues" in spec:
        return ", ".join(f"`{v}`" for v in spec["AllowedValues"])
    low, high = spec.get("MinValue"), spec.get("MaxValue")
    if low is not None and high is not None:
        return f"{low}..{high}"
    if low is not None:
        return f">= {low}"
    if "AllowedPattern" in spec:
        return f"`{spec['AllowedPattern']}`"
    return ""


def parameter_table(template: Path = TEMPLATE) -> str:
    """The markdown table: parameter, default, allowed values, what it does."""
    parameters: dict[str, dict[str, Any]] = yaml.safe_load(template.read_text())["Parameters"]
    lines = ["| parameter | default | allowed | what it does |", "| --- | --- | --- | --- |"]
    for name, spec in parameters.items():
        default = spec.get("Default")
        shown = "(required)" if default is None else f"`{default}`" if default != "" else "(empty)"
        what = " ".join(str(spec.get("Description", "")).split()).replace("|", "\\|")
        lines.append(f"| `{name}` | {shown} | {_limits(spec)} | {what} |")
    return "\n".join(lines)


def with_table(doc: str, table: str) -> str:
    """``doc`` with the text between the markers replaced by ``table``."""
    head, start, rest = doc.partition(START + "\n")
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise SystemExit(f"{DOC}: the {START} and {END} markers must each stand on a line")
    return f"{head}{start}{table}\n{end}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=("check", "write"))
    args = parser.parse_args(argv)
    doc = DOC.read_text(encoding="utf-8")
    current = with_table(doc, parameter_table())
    if args.action == "write":
        DOC.write_text(current, encoding="utf-8")
        return 0
    if current != doc:
        print(f"{DOC} is out of date: python scripts/template_docs.py write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
