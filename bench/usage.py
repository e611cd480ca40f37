"""What the cost meter counts per function, and the table shapes it prices writes against."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(r"[#:][A-Za-z0-9_]+")
_QUERY_KEEPS = (
    "TableName",
    "IndexName",
    "KeyConditionExpression",
    "ConsistentRead",
    "Limit",
    "ExclusiveStartKey",
    "ScanIndexForward",
)


@dataclass
class FunctionUsage:
    """What one function was billed for, summed over its invocations."""

    invocations: int = 0
    durations_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    read_units: float = 0.0
    write_units: float = 0.0
    index_write_units: float = 0.0  # included in write_units
    # By the kind of item (the sort key's prefix: READING, STATUS, HOUR ...): [read, write, index]
    units_by_kind: dict[str, list[float]] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    sns_requests: int = 0  # 64 KB chunks
    sns_messages: int = 0
    # Log lines written, by level (DEBUG ... CRITICAL): [events, UTF-8 bytes of the messages].
    logs: dict[str, list[int]] = field(default_factory=dict)
    unmetered: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Index:
    name: str
    keys: tuple[str, ...]  # its key attributes and the table's
    projection: str


@dataclass(frozen=True)
class TableShape:
    keys: tuple[str, ...]
    indexes: tuple[Index, ...]

    @classmethod
    def describe(cls, client: Any, table: str) -> TableShape:
        answer = client.describe_table(TableName=table)["Table"]
        keys = tuple(k["AttributeName"] for k in answer["KeySchema"])
        indexes = tuple(
            Index(
                gsi["IndexName"],
                tuple(k["AttributeName"] for k in gsi["KeySchema"]) + keys,
                gsi["Projection"]["ProjectionType"],
            )
            for gsi in answer.get("GlobalSecondaryIndexes", [])
        )
        return cls(keys, indexes)


def only_key_condition(params: Mapping[str, Any]) -> dict[str, Any]:
    """A Query's parameters without projection, filter or Select: what it reads, whole."""
    kept = {k: v for k, v in params.items() if k in _QUERY_KEEPS}
    used = set(_TOKEN.findall(params.get("KeyConditionExpression", "")))
    names = {k: v for k, v in params.get("ExpressionAttributeNames", {}).items() if k in used}
    values = {k: v for k, v in params.get("ExpressionAttributeValues", {}).items() if k in used}
    if names:
        kept["ExpressionAttributeNames"] = names
    if values:
        kept["ExpressionAttributeValues"] = values
    return kept


def item_kind(item: Mapping[str, Any]) -> str:
    """What an item (or key) is, by its sort key's prefix: READING, HOUR, STATUS, ..."""
    sk = item.get("sk", {}).get("S") if isinstance(item.get("sk"), Mapping) else None
    return sk.split("#", 1)[0] if isinstance(sk, str) else "item"
