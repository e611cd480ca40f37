"""DynamoDB's wire format (``{"S": "text"}``) for plain values, as boto3's TypeSerializer and
TypeDeserializer write and read it, without importing boto3.

boto3's serializer lives in ``boto3.dynamodb.types``, and importing it imports boto3 itself,
which imports s3transfer: a good part of the functions' cold start for ~80 lines of rules
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html).
These are the same rules, checked against boto3's own on generated values
(tests/core/test_wire.py): numbers are Decimals within DynamoDB's 38 digits (a float is
refused, as boto3 refuses it), sets are SS/NS/BS, bytes are B.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import Any

# boto3.dynamodb.types.DYNAMODB_CONTEXT: what DynamoDB can store exactly, or an error.
DYNAMODB_CONTEXT = Context(
    Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow]
)


def _number(value: int | Decimal) -> str:
    text = str(DYNAMODB_CONTEXT.create_decimal(value))
    if text in ("Infinity", "NaN"):
        raise TypeError("Infinity and NaN not supported")
    return text


def _is_number(value: Any) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def serialize(value: Any) -> dict[str, Any]:
    """One value as a DynamoDB attribute value."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if _is_number(value):
        return {"N": _number(value)}
    if isinstance(value, float):
        raise TypeError("Float types are not supported. Use Decimal types instead.")
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes | bytearray):
        return {"B": bytes(value)}
    if isinstance(value, Set):
        # An empty set is SS, as boto3 writes it (DynamoDB then refuses it).
        if all(isinstance(v, str) for v in value):
            return {"SS": list(value)}
        if all(_is_number(v) for v in value):
            return {"NS": [_number(v) for v in value]}
        if all(isinstance(v, bytes | bytearray) for v in value):
            return {"BS": [bytes(v) for v in value]}
        raise TypeError(f"a set of mixed or unsupported types: {value!r}")
    if isinstance(value, Mapping):
        return {"M": {str(k): serialize(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [serialize(v) for v in value]}
    raise TypeError(f"Unsupported type {type(value)} for value {value!r}")


def deserialize(value: Mapping[str, Any]) -> Any:
    """One DynamoDB attribute value as a plain value (numbers as Decimal)."""
    if len(value) != 1:
        raise TypeError(f"an attribute value has exactly one type: {value!r}")
    ((kind, content),) = value.items()
    if kind == "NULL":
        return None
    if kind == "BOOL":
        return content
    if kind == "N":
        return DYNAMODB_CONTEXT.create_decimal(content)
    if kind == "S":
        return content
    if kind == "B":
        return bytes(content)
    if kind == "SS":
        return set(content)
    if kind == "NS":
        return {DYNAMODB_CONTEXT.create_decimal(n) for n in content}
    if kind == "BS":
        return {bytes(b) for b in content}
    if kind == "L":
        return [deserialize(v) for v in content]
    if kind == "M":
        return {k: deserialize(v) for k, v in content.items()}
    raise TypeError(f"DynamoDB type {kind} is not supported")
