"""Remove the botocore service models a function never calls (a step of the image builds).

The first client a process creates makes botocore list every service directory under
``botocore/data`` (over 400 of them, a listdir each) to check that the service exists: in
the image that is tens of milliseconds of every cold start (docs/benchmarks.md). A function
calls two or three services, so the image keeps those and botocore's shared data files
(partitions, retry and default settings) and drops the rest. ``endpoints.json`` (1.2 MB,
parsed for every session) keeps every partition and region but only these services' entries:
what botocore resolves for them is unchanged.

    python trim_botocore_data.py dynamodb sns sts
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path


def trim(data: Path, keep: set[str]) -> list[str]:
    """Delete every service directory of ``data`` not named in ``keep``; the names deleted."""
    gone = []
    for entry in sorted(data.iterdir()):
        if entry.is_dir() and entry.name not in keep:
            shutil.rmtree(entry)
            gone.append(entry.name)
    return gone


def trim_endpoints(path: Path, keep: set[str]) -> None:
    """Rewrite endpoints.json with only the ``keep`` services of each partition."""
    endpoints = json.loads(path.read_text())
    for partition in endpoints["partitions"]:
        services = partition.get("services", {})
        partition["services"] = {name: services[name] for name in services if name in keep}
    path.write_text(json.dumps(endpoints, separators=(",", ":")))


def main(argv: list[str]) -> int:
    import botocore

    keep = set(argv)
    data = Path(botocore.__file__).parent / "data"
    missing = sorted(name for name in keep if not (data / name).is_dir())
    if not keep or missing:
        print(f"usage: trim_botocore_data.py SERVICE...; unknown: {missing}", file=sys.stderr)
        return 2
    gone = trim(data, keep)
    trim_endpoints(data / "endpoints.json", keep)
    print(f"botocore/data: kept {', '.join(sorted(keep))}; removed {len(gone)} services")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
