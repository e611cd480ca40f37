"""The vendored charting library (uPlot, MIT, from the npm registry): check it, or fetch it again.

``python -m thermostat_cli.dashboard.vendor check`` verifies the committed files against
``static/vendor/uplot/SOURCE.json`` (a test runs this). ``fetch`` downloads the pinned version
with ``npm pack`` (npm's own client, which also checks the registry's integrity hash), checks the
tarball's sha256 and each file's sha256 against the manifest, and only then replaces the files.
``fetch --version X --update`` moves to another version and rewrites the manifest's hashes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

VENDOR_DIR = Path(__file__).parent / "static" / "vendor" / "uplot"
MANIFEST = VENDOR_DIR / "SOURCE.json"


class VendorError(Exception):
    """A vendored file differs from its manifest, or the download does not match it."""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return data


def check(folder: Path = VENDOR_DIR) -> list[str]:
    """Each vendored file's problem (missing, or a sha256 other than the manifest's); [] if none."""
    problems = []
    for entry in manifest()["files"].values():
        path = folder / entry["as"]
        if not path.is_file():
            problems.append(f"{path.name}: missing")
        elif (digest := sha256(path)) != entry["sha256"]:
            problems.append(f"{path.name}: sha256 {digest}, manifest says {entry['sha256']}")
    return problems


def _npm_pack(spec: str, into: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise VendorError("npm not found: install Node.js and npm (Debian: apt-get install npm)")
    done = subprocess.run(
        [npm, "pack", spec, "--silent", "--pack-destination", str(into)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise VendorError(f"npm pack {spec} failed: {done.stderr.strip()}")
    return into / done.stdout.strip().splitlines()[-1]


def fetch(version: str | None = None, *, update: bool = False) -> str:
    """Download and install the library; return what was done."""
    spec = manifest()
    version = version or spec["version"]
    if version != spec["version"] and not update:
        raise VendorError(f"manifest pins {spec['version']}; pass --update to move to {version}")
    with tempfile.TemporaryDirectory(prefix="uplot-") as tmp:
        tarball = _npm_pack(f"{spec['package']}@{version}", Path(tmp))
        digest = sha256(tarball)
        if not update and digest != spec["tarball_sha256"]:
            raise VendorError(
                f"{tarball.name}: sha256 {digest}, manifest says {spec['tarball_sha256']}"
            )
        contents = {}
        with tarfile.open(tarball) as archive:
            for member in spec["files"]:
                source = archive.extractfile(member)
                if source is None:
                    raise VendorError(f"{tarball.name} has no {member}")
                contents[member] = source.read()
        # Everything is checked before anything is replaced: no half-updated folder.
        for member, entry in spec["files"].items():
            got = hashlib.sha256(contents[member]).hexdigest()
            if not update and got != entry["sha256"]:
                raise VendorError(f"{member}: sha256 {got}, manifest says {entry['sha256']}")
            entry["sha256"] = got
        for member, entry in spec["files"].items():
            (VENDOR_DIR / entry["as"]).write_bytes(contents[member])
        spec.update(version=version, tarball_sha256=digest)
    if update:
        MANIFEST.write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
    return f"{spec['package']} {version} installed in {VENDOR_DIR} (tarball sha256 {digest})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m thermostat_cli.dashboard.vendor")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="verify the vendored files against SOURCE.json")
    fetcher = commands.add_parser("fetch", help="download the pinned version again with npm")
    fetcher.add_argument("--version", help="another version (needs --update)")
    fetcher.add_argument("--update", action="store_true", help="rewrite the manifest's hashes")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            problems = check()
            for problem in problems:
                print(f"vendor: {problem}", file=sys.stderr)
            if problems:
                return 1
            print(f"vendor: uplot {manifest()['version']}: every file matches SOURCE.json")
            return 0
        print(f"vendor: {fetch(args.version, update=args.update)}")
    except VendorError as err:
        print(f"vendor: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
