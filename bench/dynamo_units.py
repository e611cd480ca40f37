"""DynamoDB's documented sizes and request units, as pure functions of wire-format items.

- Item size: attribute names and values in UTF-8; a number is 1 byte per two significant
  digits plus 1; booleans and nulls 1 byte; a list or map 3 bytes plus 1 byte per element
  plus its elements (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
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
from decimal import Decimal
from typing import Any

WireItem = Mapping[str, Any]


def _number_size(text: str) -> int:
    # Leading and trailing zeros are trimmed: 100 and 0.05 have one significant digit.
    digits = Decimal(text).normalize().as_tuple().digits
    significant = len(digits) if any(digits) else 1
    return math.ceil(significant / 2) + 1


def value_size(value: Mapping[str, Any]) -> int:
    """The bytes of one attribute value in DynamoDB's wire format (``{"S": ...}``)."""
    ((kind, content),) = value.items()
    if kind == "S":
        return len(str(content).encode())
    if kind == "N":
        return _number_size(str(content))
    if kind == "B":
        return len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(s).encode()) for s in content)
    if kind == "NS":
        return sum(_number_size(str(n)) for n in content)
    if kind == "BS":
        return sum(len(b) for b in content)
    if kind == "L":
        return 3 + sum(1 + value_size(element) for element in content)
    if kind == "M":
        return 3 + sum(
            1 + len(name.encode()) + value_size(element) for name, element in content.items()
        )
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def item_size(item: WireItem) -> int:
    """The size DynamoDB bills an item at (without the 100-byte storage overhead)."""
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


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
