"""One batch size's throughput: requests sent one after another, timed one by one."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

Request = TypeVar("Request")


def throughput(
    size: int, requests: Sequence[Request], send: Callable[[Request], None]
) -> dict[str, Any]:
    """Send each request (``size`` readings each); readings/s and the median request time."""
    latencies = []
    started = time.perf_counter()
    for request in requests:
        before = time.perf_counter()
        send(request)
        latencies.append((time.perf_counter() - before) * 1000)
    elapsed = time.perf_counter() - started
    return {
        "batch": size,
        "requests": len(requests),
        "readings_per_s": round(len(requests) * size / elapsed, 1),
        "request_median_ms": round(statistics.median(latencies), 2),
    }
