"""The stream mapping's batching replayed for many devices (what a device's status costs)."""

from __future__ import annotations

import pytest

from bench.cost_scale import replay


def test_one_device_is_batched_by_the_window() -> None:
    """Uploads every 2 min and a 300 s window: a batch every 6 min with 3 uploads in it."""
    found = replay(1, upload_every_s=120, readings_per_upload=2, batch_size=1000, window_s=300)
    assert (found.invocations_per_day, found.device_batches_per_day) == (240, 240)
    assert found.records_per_batch == 6


def test_without_a_window_each_upload_is_a_batch() -> None:
    """Window 0: the poll takes each upload alone, so each upload writes the status."""
    found = replay(1, upload_every_s=120, readings_per_upload=2, batch_size=100, window_s=0)
    assert found.device_batches_per_day == 720


@pytest.mark.parametrize(("batch_size", "status_writes"), [(100, 720), (1000, 288)])
def test_many_devices_fill_a_small_batch_before_the_window_ends(
    batch_size: int, status_writes: float
) -> None:
    """50 devices: 100 records fill in 2 min (one status write per upload); 1,000 take the
    whole 300 s window (one per 5 min)."""
    found = replay(
        50, upload_every_s=120, readings_per_upload=2, batch_size=batch_size, window_s=300
    )
    assert found.device_batches_per_day == pytest.approx(status_writes)
