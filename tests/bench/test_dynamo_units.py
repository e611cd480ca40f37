"""DynamoDB's documented request units, as the cost meter applies them.

Item sizes are lambda_dataplane.item_size's (tests/dataplane/test_item_size.py)."""

from __future__ import annotations

import pytest

from bench import dynamo_units as units


def test_an_item_is_its_names_and_values() -> None:
    """Attribute names count as their UTF-8 bytes."""
    assert units.item_size({"pk": {"S": "DEVICE#a"}, "n": {"N": "7"}}) == 2 + 8 + 1 + 2


@pytest.mark.parametrize(
    ("size", "consistent", "read"), [(0, False, 0.5), (4096, True, 1.0), (4097, True, 2.0)]
)
def test_reads_round_up_to_4_kb_and_halve_when_eventually_consistent(
    size: int, consistent: bool, read: float
) -> None:
    """At least one unit; eventually consistent costs half."""
    assert units.read_units(size, consistent=consistent) == read


def test_a_sparse_index_entry_costs_only_where_it_is() -> None:
    """No entry before or after: free; a new entry: a put; a changed one: the larger size."""
    keys, small = ("status_key", "device_id", "pk", "sk"), {"S": "x"}
    outside = {"pk": small, "sk": small}
    inside = {**outside, "status_key": small, "device_id": small}
    assert units.index_write_units(outside, outside, keys, "ALL") == 0
    assert units.index_write_units(None, inside, keys, "ALL") == 1
    assert units.index_write_units(inside, {**inside, "big": {"S": "z" * 2000}}, keys, "ALL") == 2
    assert units.index_write_units(inside, {**inside, "big": small}, keys, "KEYS_ONLY") == 0
