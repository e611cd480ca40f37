"""thermostat.wire writes and reads DynamoDB's wire format exactly as boto3's serializer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given, settings
from hypothesis import strategies as st

from thermostat.wire import deserialize, serialize

# What items hold: text, whole and exact decimal numbers, booleans, null, and maps and lists
# of them (open_hour, pending_alerts), plus string and number sets.
numbers = st.decimals(
    allow_nan=False, allow_infinity=False, places=3, min_value=-(10**9), max_value=10**9
)
scalars = (
    st.none() | st.booleans() | st.text(max_size=20) | st.integers(-(10**12), 10**12) | numbers
)
values = st.recursive(
    scalars
    | st.frozensets(st.text(max_size=5), min_size=1, max_size=4).map(set)
    | st.frozensets(st.integers(-1000, 1000), min_size=1, max_size=4).map(set),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _sorted_sets(wire: Any) -> Any:
    """Set order on the wire is arbitrary: compare sets as sorted lists."""
    if isinstance(wire, dict):
        return {k: sorted(v) if k in ("SS", "NS") else _sorted_sets(v) for k, v in wire.items()}
    if isinstance(wire, list):
        return [_sorted_sets(v) for v in wire]
    return wire


@settings(max_examples=300, deadline=None, derandomize=True)
@given(values)
def test_serialize_writes_what_boto3_writes(value: Any) -> None:
    """Every value an item can hold gets boto3's wire form."""
    assert _sorted_sets(serialize(value)) == _sorted_sets(TypeSerializer().serialize(value))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(values)
def test_deserialize_reads_what_boto3_reads(value: Any) -> None:
    """A wire value reads back as boto3 reads it (numbers as Decimal)."""
    wire = TypeSerializer().serialize(value)
    assert deserialize(wire) == TypeDeserializer().deserialize(wire)


@pytest.mark.parametrize(
    "value",
    [1.5, Decimal("1E+200"), Decimal("0.1234567890123456789012345678901234567890"), 1j],
)
def test_values_dynamodb_cannot_hold_are_refused_as_boto3_refuses_them(value: Any) -> None:
    """Floats, numbers beyond 38 digits or DynamoDB's range, other types: the same error."""
    with pytest.raises(Exception) as ours:
        serialize(value)
    with pytest.raises(Exception) as theirs:
        TypeSerializer().serialize(value)
    assert type(ours.value) is type(theirs.value)
