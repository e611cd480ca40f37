"""How the stream mapping batches many devices' records: the part of the bill that changes with
the number of devices.

The stream function writes a device's status once per batch the device has records in. One
device alone fills a batch slowly (the window decides); a thousand fill one in seconds (the
batch size decides), and then each upload of each device is in a batch of its own. This
replays Lambda's batching rules for DynamoDB streams
(https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html: a batch goes when BatchSize records
are buffered or MaximumBatchingWindowInSeconds has passed since the first; without a window,
Lambda's poll, four times a second, takes what is there) on N devices' uploads, evenly spread,
on one shard.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

POLL_S = 0.25  # Lambda polls each shard four times a second


@dataclass(frozen=True)
class Batching:
    invocations_per_day: float  # of the stream function, for all devices
    device_batches_per_day: float  # per device: batches it has records in (status writes)
    records_per_batch: float


def replay(
    devices: int,
    *,
    upload_every_s: float,
    readings_per_upload: int,
    batch_size: int,
    window_s: float,
    hours: float = 24.0,
) -> Batching:
    """Lambda's batching of ``devices`` devices' uploads (each ``readings_per_upload`` records
    every ``upload_every_s``, device i offset by i/devices of the period) on one shard."""
    end = hours * 3600.0
    uploads = sorted(
        (i * upload_every_s / devices + k * upload_every_s, i)
        for i in range(devices)
        for k in range(math.ceil(end / upload_every_s))
        if i * upload_every_s / devices + k * upload_every_s < end
    )
    buffered: list[int] = []  # one entry per record: its device
    deadline: float | None = None
    invocations, seen, records = 0, 0, 0

    def fire() -> None:
        nonlocal invocations, seen, records, buffered
        batch, buffered = buffered[:batch_size], buffered[batch_size:]
        invocations += 1
        seen += len(set(batch))
        records += len(batch)

    for moment, device in [*uploads, (math.inf, -1)]:
        while deadline is not None and deadline <= moment:
            fire()
            deadline = (deadline + max(window_s, POLL_S)) if buffered else None
        if device < 0:
            break
        if not buffered:
            wait = window_s if window_s > 0 else POLL_S - (moment % POLL_S)
            deadline = moment + wait
        buffered += [device] * readings_per_upload
        while len(buffered) >= batch_size:
            fire()
            deadline = (moment + max(window_s, POLL_S)) if buffered else None
    days = hours / 24.0
    return Batching(
        invocations / days, seen / devices / days, records / invocations if invocations else 0.0
    )
