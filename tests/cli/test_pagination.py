"""Queries past DynamoDB's 1 MB page: every row arrives, in order, streamed page by page.

moto 5.2 pages Query results at 1,000,000 bytes of item size (its RESULT_SIZE_LIMIT),
counting attribute names plus values, as DynamoDB does; numbers are counted as their
decimal text. These tests check that it really did page, then that the command
followed LastEvaluatedKey to the end.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto import mock_aws

from devstack.demo import simulate_day
from tests.cli.helpers import (
    CALLER,
    DAY,
    REGION,
    Result,
    configure_env,
    create_contract_table,
    put_items,
    run_cli,
)
from thermostat.contract import Reading
from thermostat.items import ReadingItem

DEVICE = "living-room"
# 20 s readings, as a chatty Pi sends them: ~270 bytes each, 4320 a day, ~1.2 MB.
INTERVAL = timedelta(seconds=20)
PAGE_LIMIT_BYTES = 1_000_000


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's item size: name bytes plus value bytes (moto's reading of numbers)."""
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        if isinstance(value, bool):
            size += 1
        elif isinstance(value, int | Decimal):
            size += len(str(value))
        else:
            size += len(str(value).encode())
    return size


class FirstWriteWatcher(io.StringIO):
    """stdout that notes how many pages stderr had reported when the first row came out."""

    def __init__(self, err: io.StringIO) -> None:
        super().__init__()
        self.err = err
        self.pages_before_first_row: int | None = None

    def write(self, text: str) -> int:
        if self.pages_before_first_row is None:
            self.pages_before_first_row = self.err.getvalue().count("fetched ")
        return super().write(text)


@dataclass
class Export:
    readings: list[Reading]
    items: list[dict[str, Any]]
    result: Result
    pages_before_first_row: int | None


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Export]:
    """GIVEN a day of 20 s readings (> 1 MB) WHEN it is exported as CSV with --progress."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        configure_env(monkeypatch, tmp_path_factory.mktemp("pagination"))
        with mock_aws():
            client = boto3.client("dynamodb", region_name=REGION)
            create_contract_table(client)
            readings = simulate_day(DEVICE, DAY, UTC, interval=INTERVAL)
            items = [
                ReadingItem.new(
                    r, received_at=r.recorded_at, retention_days=365, caller=CALLER
                ).to_item()
                for r in readings
            ]
            put_items(client, items)
            err = io.StringIO()
            out = FirstWriteWatcher(err)
            args = ("history", "--device", DEVICE, "--day", "2025-12-01", "--csv", "--progress")
            result = run_cli(*args, out=out, err=err)
            yield Export(readings, items, result, out.pages_before_first_row)


def page_counts(err: str) -> list[int]:
    return [int(n) for n in re.findall(r"fetched (\d+) readings", err)]


def test_the_data_is_more_than_one_page(export: Export) -> None:
    """The day's items really add up to more than DynamoDB's 1 MB page."""
    assert sum(item_size(i) for i in export.items) > 1.1 * PAGE_LIMIT_BYTES


def test_emulator_cut_the_first_page_at_1_mb(export: Export) -> None:
    """No Limit was set, yet page 1 stopped where the next item would pass 1,000,000 bytes."""
    first_page = page_counts(export.result.err)[0]
    sizes = [item_size(i) for i in export.items]
    assert first_page < len(export.items)
    assert sum(sizes[:first_page]) <= PAGE_LIMIT_BYTES < sum(sizes[: first_page + 1])


def test_every_reading_is_exported_once_in_order(export: Export) -> None:
    """All 4320 readings come out, oldest first, none repeated across the page boundary."""
    rows = list(csv.DictReader(io.StringIO(export.result.out)))
    assert export.result.code == 0
    assert [r["recorded_at"] for r in rows] == [r.timestamp for r in export.readings]
    assert len(rows) == 4320


def test_progress_counts_two_pages(export: Export) -> None:
    """stderr shows the running count after each page, then the total."""
    counts = page_counts(export.result.err)
    assert len(counts) == 2
    assert counts[-1] == 4320
    assert "done: 4320 readings (2 pages)" in export.result.err


def test_rows_stream_before_the_last_page_is_fetched(export: Export) -> None:
    """The first CSV row is written when only the first page has arrived."""
    assert export.pages_before_first_row == 1
