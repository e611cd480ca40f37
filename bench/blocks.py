"""What a cold start is made of: each building block timed in its own fresh interpreter.

Process start to exit of ``python -c <code>``, interleaved rounds, median. The difference
between two rows is what that block adds; together with the import report they say where a
function's cold start goes and what a change would save.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from typing import Any

_CLIENT = "('dynamodb', region_name='us-east-1')"
BLOCKS: dict[str, tuple[str, dict[str, str]]] = {
    "interpreter (python -c pass)": ("pass", {}),
    "+ awslambdaric": ("import awslambdaric.__main__", {}),
    "pydantic + thermostat.contract models": ("import thermostat.contract", {}),
    "... with PYDANTIC_DISABLE_PLUGINS=1": (
        "import thermostat.contract",
        {"PYDANTIC_DISABLE_PLUGINS": "1"},
    ),
    "import boto3": ("import boto3", {}),
    "import boto3.dynamodb.types (serializer)": ("import boto3.dynamodb.types", {}),
    "boto3 + DynamoDB client": (f"import boto3; boto3.client{_CLIENT}", {}),
    "botocore + DynamoDB client (no boto3)": (
        f"import botocore.session as s; s.get_session().create_client{_CLIENT}",
        {},
    ),
    "http.client + ssl + hmac + json (a SigV4 client's imports)": (
        "import http.client, ssl, hmac, hashlib, json",
        {},
    ),
}


def measure(runs: int) -> list[dict[str, Any]]:
    times: dict[str, list[float]] = {name: [] for name in BLOCKS}
    for _ in range(runs):
        for name, (code, env) in BLOCKS.items():
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, check=True)
            times[name].append((time.perf_counter() - started) * 1000)
    return [
        {"block": name, "median_ms": round(statistics.median(values), 1)}
        for name, values in times.items()
    ]
