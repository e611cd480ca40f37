"""Event filtering for the stream event source mapping, to Lambda's filter-rule syntax.

https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html

A pattern is a JSON object whose leaves are lists of matchers; every key must match
(AND), any matcher in a list may match (OR), and a record passes the criteria when any
of the filters matches. Supported matchers: exact values (string, number, boolean,
null), ``prefix``, ``suffix``, ``equals-ignore-case``, ``anything-but`` (a value, a
list, or ``{"prefix": ...}``), ``numeric`` and ``exists``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

_MISSING = object()
_NUMERIC_OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class FilterError(ValueError):
    """A filter pattern that Lambda would reject (CreateEventSourceMapping fails)."""


class FilterCriteria:
    """The compiled ``FilterCriteria.Filters[].Pattern`` of an event source mapping."""

    def __init__(self, patterns: Sequence[Mapping[str, Any]]) -> None:
        for pattern in patterns:
            _validate(pattern)
        self._patterns = list(patterns)

    @classmethod
    def from_property(cls, criteria: Mapping[str, Any] | None) -> FilterCriteria:
        """Build from the CloudFormation ``FilterCriteria`` property (patterns are JSON text)."""
        filters = (criteria or {}).get("Filters") or []
        patterns = []
        for entry in filters:
            text = entry.get("Pattern", "")
            try:
                pattern = json.loads(text) if isinstance(text, str) else text
            except json.JSONDecodeError as err:
                raise FilterError(f"filter pattern is not JSON: {text!r}") from err
            if not isinstance(pattern, dict):
                raise FilterError(f"filter pattern must be a JSON object: {text!r}")
            patterns.append(pattern)
        return cls(patterns)

    @property
    def patterns(self) -> list[str]:
        """Each pattern as JSON text, the way the Lambda API shows it."""
        return [json.dumps(p, separators=(",", ":")) for p in self._patterns]

    def matches(self, record: Mapping[str, Any]) -> bool:
        """True when no filter is configured or any filter matches the record."""
        if not self._patterns:
            return True
        return any(_match_object(pattern, record) for pattern in self._patterns)


def _validate(pattern: Mapping[str, Any]) -> None:
    for key, value in pattern.items():
        if isinstance(value, Mapping):
            _validate(value)
        elif not isinstance(value, list) or not value:
            raise FilterError(f"filter value for {key!r} must be a non-empty list or an object")
        else:
            for matcher in value:
                if isinstance(matcher, Mapping):
                    _validate_rule(matcher)


def _validate_rule(rule: Mapping[str, Any]) -> None:
    if len(rule) != 1:
        raise FilterError(f"a filter rule has exactly one operator: {dict(rule)!r}")
    ((operator, operand),) = rule.items()
    if operator == "exists":
        if not isinstance(operand, bool):
            raise FilterError(f"exists takes true or false, got {operand!r}")
        return
    # Applying the rule to a string and a number checks its operand the way matching will.
    _apply(operator, operand, "")
    _apply(operator, operand, 0)


def _match_object(pattern: Mapping[str, Any], data: Any) -> bool:
    for key, expected in pattern.items():
        actual = data.get(key, _MISSING) if isinstance(data, Mapping) else _MISSING
        if isinstance(expected, Mapping):
            if not _match_object(expected, actual):
                return False
        elif not any(_match_value(matcher, actual) for matcher in expected):
            return False
    return True


def _match_value(matcher: Any, actual: Any) -> bool:
    if isinstance(matcher, Mapping):
        return _match_rule(matcher, actual)
    if actual is _MISSING:
        return False
    # A list in the data matches when any element does (EventBridge semantics).
    candidates = actual if isinstance(actual, list) else [actual]
    return any(_same(matcher, value) for value in candidates)


def _same(expected: Any, actual: Any) -> bool:
    # JSON true is not 1 here, although Python says True == 1.
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    return bool(expected == actual)


def _match_rule(rule: Mapping[str, Any], actual: Any) -> bool:
    ((operator, operand),) = rule.items()
    if operator == "exists":
        return (actual is not _MISSING) is bool(operand)
    if actual is _MISSING:
        # anything-but does not match a missing field either.
        return False
    candidates = actual if isinstance(actual, list) else [actual]
    return any(_apply(operator, operand, value) for value in candidates)


def _apply(operator: str, operand: Any, value: Any) -> bool:
    if operator == "prefix":
        return isinstance(value, str) and value.startswith(_text(operand, operator))
    if operator == "suffix":
        return isinstance(value, str) and value.endswith(_text(operand, operator))
    if operator == "equals-ignore-case":
        return isinstance(value, str) and value.casefold() == _text(operand, operator).casefold()
    if operator == "anything-but":
        return _anything_but(operand, value)
    if operator == "numeric":
        return _numeric(operand, value)
    raise FilterError(f"unsupported filter operator {operator!r}")


def _text(operand: Any, operator: str) -> str:
    if not isinstance(operand, str):
        raise FilterError(f"{operator!r} takes a string, got {operand!r}")
    return operand


def _anything_but(operand: Any, value: Any) -> bool:
    if isinstance(operand, Mapping):
        prefix = operand.get("prefix")
        if len(operand) != 1 or not isinstance(prefix, str):
            raise FilterError(f"anything-but supports a value, a list or prefix: {operand!r}")
        return not (isinstance(value, str) and value.startswith(prefix))
    excluded = operand if isinstance(operand, list) else [operand]
    return not any(_same(item, value) for item in excluded)


def _numeric(operand: Any, value: Any) -> bool:
    if not isinstance(operand, list) or len(operand) not in (2, 4):
        raise FilterError(f"numeric takes [op, n] or [op, n, op, n]: {operand!r}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    for index in range(0, len(operand), 2):
        op, bound = operand[index], operand[index + 1]
        compare = _NUMERIC_OPS.get(op)
        if compare is None or isinstance(bound, bool) or not isinstance(bound, int | float):
            raise FilterError(f"bad numeric comparison {op!r} {bound!r}")
        if not compare(value, bound):
            return False
    return True
