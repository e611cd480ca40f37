"""Lambda event filter patterns, applied to stream records as Lambda sees them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambda_dataplane.filters import FilterCriteria, FilterError


def record(sk: str = "READING#2026", **extra: Any) -> dict[str, Any]:
    return {
        "eventName": "INSERT",
        "dynamodb": {
            "Keys": {"pk": {"S": "DEVICE#d1"}, "sk": {"S": sk}},
            "NewImage": {"sk": {"S": sk}, "heating": {"BOOL": True}},
            "SizeBytes": 120,
        },
        **extra,
    }


def criteria(*patterns: dict[str, Any]) -> FilterCriteria:
    return FilterCriteria.from_property({"Filters": [{"Pattern": json.dumps(p)} for p in patterns]})


def sk_rule(*rules: Any) -> dict[str, Any]:
    return {"dynamodb": {"Keys": {"sk": {"S": list(rules)}}}}


def test_no_filters_lets_every_record_through() -> None:
    """A mapping without FilterCriteria invokes with every record."""
    assert FilterCriteria.from_property(None).matches(record("HOUR#x"))


def test_prefix_matches_only_keys_that_start_with_it() -> None:
    """{"prefix": "READING#"} takes readings and drops rollups."""
    readings = criteria(sk_rule({"prefix": "READING#"}))
    assert readings.matches(record("READING#1"))
    assert not readings.matches(record("HOUR#2026-11-21T20"))


def test_exact_value_matches_equal_strings_only() -> None:
    """A plain value in the list is an exact match."""
    inserts = criteria({"eventName": ["INSERT", "MODIFY"]})
    assert inserts.matches(record())
    assert not inserts.matches(record(eventName="REMOVE"))


def test_boolean_value_does_not_match_a_number() -> None:
    """JSON true matches true, never 1 (Python's True == 1 must not leak through)."""
    heating = criteria({"dynamodb": {"NewImage": {"heating": {"BOOL": [True]}}}})
    assert heating.matches(record())
    other = record()
    other["dynamodb"]["NewImage"]["heating"] = {"BOOL": 1}
    assert not heating.matches(other)


def test_exists_true_and_false_test_presence() -> None:
    """exists: true needs the field; exists: false needs it absent."""
    has_old = criteria({"dynamodb": {"OldImage": {"sk": [{"exists": True}]}}})
    lacks_old = criteria({"dynamodb": {"OldImage": [{"exists": False}]}})
    assert not has_old.matches(record())
    assert lacks_old.matches(record())


def test_anything_but_excludes_listed_values_and_prefixes() -> None:
    """anything-but takes a list of values or a prefix; a missing field never matches."""
    not_status = criteria(sk_rule({"anything-but": ["STATUS"]}))
    not_hours = criteria(sk_rule({"anything-but": {"prefix": "HOUR#"}}))
    assert not_status.matches(record("READING#1")) and not not_status.matches(record("STATUS"))
    assert not not_hours.matches(record("HOUR#1")) and not_hours.matches(record("DAY#1"))
    assert not criteria({"missing": [{"anything-but": "x"}]}).matches(record())


def test_numeric_range_compares_numbers_only() -> None:
    """numeric [">", 100, "<=", 200] matches 120 and not 99, nor a string."""
    sized = criteria({"dynamodb": {"SizeBytes": [{"numeric": [">", 100, "<=", 200]}]}})
    assert sized.matches(record())
    small = record()
    small["dynamodb"]["SizeBytes"] = 99
    assert not sized.matches(small)
    small["dynamodb"]["SizeBytes"] = "120"
    assert not sized.matches(small)


def test_suffix_and_equals_ignore_case() -> None:
    """suffix and equals-ignore-case work on strings."""
    assert criteria(sk_rule({"suffix": "2026"})).matches(record("READING#2026"))
    assert criteria({"eventName": [{"equals-ignore-case": "insert"}]}).matches(record())


def test_all_keys_must_match_but_any_filter_may() -> None:
    """Keys inside one pattern are ANDed; separate filters are ORed."""
    both = {"eventName": ["INSERT"], **sk_rule({"prefix": "HOUR#"})}
    assert not criteria(both).matches(record("READING#1"))
    assert criteria(both, sk_rule({"prefix": "READING#"})).matches(record("READING#1"))


def test_list_in_the_record_matches_when_any_element_does() -> None:
    """A list value in the data matches if one element matches."""
    tagged = criteria({"tags": ["b"]})
    assert tagged.matches(record(tags=["a", "b"]))
    assert not tagged.matches(record(tags=["a"]))


@pytest.mark.parametrize(
    "pattern",
    [
        "not json",
        "[1, 2]",
        json.dumps({"eventName": "INSERT"}),
        json.dumps({"eventName": []}),
        json.dumps({"eventName": [{"regex": "I.*"}]}),
        json.dumps({"eventName": [{"prefix": 1}]}),
        json.dumps({"eventName": [{"prefix": "a", "suffix": "b"}]}),
        json.dumps({"n": [{"numeric": [">>", 1]}]}),
        json.dumps({"n": [{"numeric": [">", "1"]}]}),
        json.dumps({"n": [{"exists": "yes"}]}),
        json.dumps({"n": [{"anything-but": {"suffix": "x"}}]}),
    ],
    ids=[
        "not-json",
        "not-object",
        "leaf-not-list",
        "empty-list",
        "unknown-operator",
        "prefix-not-string",
        "two-operators",
        "bad-numeric-operator",
        "numeric-bound-not-number",
        "exists-not-boolean",
        "anything-but-suffix",
    ],
)
def test_invalid_patterns_are_rejected_up_front(pattern: str) -> None:
    """Patterns Lambda would refuse raise FilterError when the mapping is built."""
    with pytest.raises(FilterError):
        FilterCriteria.from_property({"Filters": [{"Pattern": pattern}]})
