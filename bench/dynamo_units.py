"""DynamoDB's documented request units, as pure functions of wire-format items.

- Item size: ``lambda_dataplane.item_size``, the data plane's count of DynamoDB's rules
  (checked against DynamoDB Local there)
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
- Writes: 1 unit per 1 KB of the larger of the item before and after, rounded up; a
  conditional write that fails still consumes the units of the item it was checked against
  (1 if there was none); DeleteItem the deleted item's size
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html).
- Reads: 1 unit per 4 KB, rounded up, halved when eventually consistent; GetItem of a missing
  item still costs the minimum; a Query sums the sizes of every item it reads (before any
  filter or projection) and rounds the sum up once.
- A global secondary index costs a write of the projected entry whenever a table write puts,
  changes or removes it; nothing when the item is in the index neither before nor after, or
  its projection is unchanged
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

# Re-exported: the meter sizes every item it charges for with the data plane's rules.
from lambda_dataplane.item_size import item_size as item_size

WireItem = Mapping[str, Any]


def write_units(size_bytes: int, unit_bytes: int = 1024) -> int:
    return max(1, math.ceil(size_bytes / unit_bytes))


def read_units(size_bytes: int, *, consistent: bool, unit_bytes: int = 4096) -> float:
    units = max(1, math.ceil(size_bytes / unit_bytes))
    return float(units) if consistent else units / 2


def put_units(old: WireItem | None, new: WireItem, *, succeeded: bool) -> int:
    """PutItem/UpdateItem: the larger of before and after; a failed condition, the item
    it was checked against."""
    if not succeeded:
        return write_units(item_size(old) if old else 0)
    return write_units(max(item_size(old) if old else 0, item_size(new)))


def query_units(items: Sequence[WireItem], *, consistent: bool) -> float:
    return read_units(sum(item_size(item) for item in items), consistent=consistent)


def projected(item: WireItem | None, keys: Sequence[str], projection: str) -> WireItem | None:
    """The entry ``item`` has in an index keyed on ``keys`` (None: not in the sparse index).

    ``projection``: ALL or KEYS_ONLY (the table's own keys are passed among ``keys``).
    """
    if item is None or any(name not in item for name in keys):
        return None
    if projection == "ALL":
        return item
    return {name: item[name] for name in keys}


def index_write_units(
    old: WireItem | None, new: WireItem | None, keys: Sequence[str], projection: str
) -> int:
    """Units an index write costs for a table write that turned ``old`` into ``new``."""
    before, after = projected(old, keys, projection), projected(new, keys, projection)
    if before is None and after is None:
        return 0
    if before is not None and after is not None:
        key_changed = any(before[k] != after[k] for k in keys)
        if key_changed:  # a delete of the old entry and a put of the new one
            return write_units(item_size(before)) + write_units(item_size(after))
        if before == after:
            return 0
        return write_units(max(item_size(before), item_size(after)))
    entry = after if after is not None else before
    assert entry is not None
    return write_units(item_size(entry))


def storage_bytes(item: WireItem, overhead: int = 100) -> int:
    return item_size(item) + overhead
