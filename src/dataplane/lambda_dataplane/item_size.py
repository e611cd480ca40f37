"""DynamoDB's size of an item, and of a stream record, in bytes.

The rules are AWS's "Item sizes and formats"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
each attribute counts its name's UTF-8 bytes plus its value: a string its UTF-8 bytes, a binary
its raw bytes, a Boolean or null 1 byte, a List or Map 3 bytes plus its elements plus 1 byte per
element, a set the sum of its members. For numbers that page gives an approximation ("1 byte per
two significant digits, plus 1"); this module counts them exactly as Amazon's DynamoDB Local
does (tests/dataplane/test_item_size.py compares the two): digits are paired from the decimal
point (1.5 is two pairs, 01|50; 15 is one), plus 1 byte, plus 1 more for a negative number
unless it fills all 20 pairs. The 100 bytes of per-item storage overhead that page also names
are not part of the item's size; add them for storage billing.

Values are DynamoDB JSON (``{"S": "x"}``). Binary values may be ``bytes`` (as boto3 returns
them) or base64 text (as the wire and Lambda events carry them).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

_CONTAINER_OVERHEAD = 3  # List and Map, whatever their contents
_ELEMENT_OVERHEAD = 1  # each element of a List or Map
_MAX_PAIRS = 20  # 38 significant digits span at most 20 pairs


def number_size(text: str) -> int:
    """Bytes of a DynamoDB number (``N`` value) given as text. ValueError if not a number."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation as err:
        raise ValueError(f"{text!r} is not a DynamoDB number") from err
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a DynamoDB number")
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite, so never 'n'/'N'/'F'
    significant = "".join(map(str, digits)).lstrip("0")
    stripped = significant.rstrip("0")
    if not stripped:
        return 1  # zero
    lowest = exponent + len(significant) - len(stripped)  # power of ten of the last digit
    highest = exponent + len(significant) - 1  # ... and of the first
    pairs = highest // 2 - lowest // 2 + 1
    return 1 + pairs + (1 if sign and pairs < _MAX_PAIRS else 0)


def _binary_length(value: Any) -> int:
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value)
    if isinstance(value, str):
        try:
            return len(base64.b64decode(value, validate=True))
        except binascii.Error as err:
            raise ValueError(f"binary value {value[:20]!r} is not base64") from err
    raise ValueError(f"binary value of type {type(value).__name__} is neither bytes nor base64")


def value_size(value: Mapping[str, Any]) -> int:
    """Bytes of one AttributeValue (its name not included). ValueError if it is not one."""
    if not isinstance(value, Mapping) or len(value) != 1:
        raise ValueError(f"not a DynamoDB AttributeValue: {value!r:.80}")
    ((kind, data),) = value.items()
    if kind == "S":
        return len(str(data).encode("utf-8"))
    if kind == "N":
        return number_size(str(data))
    if kind == "B":
        return _binary_length(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(member).encode("utf-8")) for member in data)
    if kind == "NS":
        return sum(number_size(str(member)) for member in data)
    if kind == "BS":
        return sum(_binary_length(member) for member in data)
    if kind == "L":
        return _CONTAINER_OVERHEAD + sum(value_size(item) + _ELEMENT_OVERHEAD for item in data)
    if kind == "M":
        return _CONTAINER_OVERHEAD + sum(
            attribute_size(name, item) + _ELEMENT_OVERHEAD for name, item in data.items()
        )
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def attribute_size(name: str, value: Mapping[str, Any]) -> int:
    """Bytes of one attribute: its name's UTF-8 bytes plus its value."""
    return len(name.encode("utf-8")) + value_size(value)


def item_size(item: Mapping[str, Mapping[str, Any]]) -> int:
    """Bytes of an item (a map of attribute name to AttributeValue), as DynamoDB counts them
    against the 400 KB item limit and for capacity units."""
    return sum(attribute_size(name, value) for name, value in item.items())


def stream_record_size(change: Mapping[str, Any]) -> int:
    """``SizeBytes`` of a stream record: the item sizes of the ``Keys``, ``NewImage`` and
    ``OldImage`` it carries (whichever its StreamViewType includes). That is what AWS's own
    sample records say: Keys ``{"Id": 101}`` with NewImage ``{"Message": "New item!", "Id":
    101}`` is 26 bytes, 5 + 21 (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html)."""
    parts = ("Keys", "NewImage", "OldImage")
    return sum(item_size(change[part]) for part in parts if part in change)
