"""A per-device rate limit on readings: a token bucket in the execution environment.

Each device may send ``per_minute`` readings a minute on average, and up to ``burst`` at once
(a Pi catching up after an outage sends full batches). The buckets live in this execution
environment's memory: free (no DynamoDB write per request, which would cost more than the
reading itself), and exact for a device whose requests reach one environment. Lambda may run
several environments at once, each with its own buckets, so the bound a device can reach is
``per_minute`` times the function's reserved concurrency (a template parameter): that cap,
not this one, is what bounds the bill. The rollups' cost per batch does not grow with the
number of readings (see the stream function), so this limit protects storage and the bill,
not correctness. https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

MAX_DEVICES = 10_000  # buckets kept; the least recently used is forgotten (a full bucket)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class DeviceRateLimit:
    """Token buckets by device id."""

    def __init__(
        self,
        *,
        per_minute: float,
        burst: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("per_minute must be positive and burst at least 1")
        self.rate_per_s = per_minute / 60.0
        self.burst = burst
        self._monotonic = monotonic
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def _bucket(self, device_id: str, now: float) -> _Bucket:
        bucket = self._buckets.pop(device_id, None) or _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate_per_s)
        bucket.updated = now
        self._buckets[device_id] = bucket  # most recently used last
        if len(self._buckets) > MAX_DEVICES:
            self._buckets.popitem(last=False)
        return bucket

    def take_all(self, counts: Mapping[str, int]) -> int | None:
        """Take ``counts[device]`` tokens from each device's bucket, all or none.

        None when allowed; else the seconds until every bucket would allow it.
        """
        now = self._monotonic()
        buckets = {device: self._bucket(device, now) for device in counts}
        short = {
            device: min(count, self.burst) - buckets[device].tokens
            for device, count in counts.items()
            if count > buckets[device].tokens
        }
        if short:
            return max(1, math.ceil(max(short.values()) / self.rate_per_s))
        for device, count in counts.items():
            buckets[device].tokens -= count
        return None
