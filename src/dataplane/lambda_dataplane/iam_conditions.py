"""The Condition element of IAM policies: operators, IfExists, ForAllValues/ForAnyValue.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
Keys are case-insensitive; a key missing from the request makes a positive operator false and
a negated one (StringNotEquals, ArnNotLike, ...) true; ``...IfExists`` is true when it is missing.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

ContextValue = str | Sequence[str]
Context = Mapping[str, ContextValue]


class PolicyError(ValueError):
    """A policy the local evaluator cannot read (unknown operator, malformed element)."""


def wildcard(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's `*` (any run) and `?` (one character) matching, nothing else special."""
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    # Policies are few and evaluated often (every request; every cell of a permissions table).
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _arn_like(pattern: str, value: str) -> bool:
    # ARNs match component by component (six parts; the last may hold colons).
    p, v = pattern.split(":", 5), value.split(":", 5)
    return len(p) == len(v) == 6 and all(wildcard(a, b) for a, b in zip(p, v, strict=True))


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError as err:
        raise PolicyError(f"{text!r} is not a number") from err


def _bool_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _ip(policy: str, value: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(policy, strict=False)
    except ValueError:
        return False


# operator -> (compares one policy value with one request value, negated?)
_OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (lambda p, v: p == v, False),
    "StringNotEquals": (lambda p, v: p == v, True),
    "StringEqualsIgnoreCase": (lambda p, v: p.lower() == v.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda p, v: p.lower() == v.lower(), True),
    "StringLike": (wildcard, False),
    "StringNotLike": (wildcard, True),
    "ArnEquals": (_arn_like, False),
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
    "Bool": (lambda p, v: p.lower() == v.lower(), False),
    "NumericEquals": (lambda p, v: _number(v) == _number(p), False),
    "NumericNotEquals": (lambda p, v: _number(v) == _number(p), True),
    "NumericLessThan": (lambda p, v: _number(v) < _number(p), False),
    "NumericLessThanEquals": (lambda p, v: _number(v) <= _number(p), False),
    "NumericGreaterThan": (lambda p, v: _number(v) > _number(p), False),
    "NumericGreaterThanEquals": (lambda p, v: _number(v) >= _number(p), False),
    "IpAddress": (_ip, False),
    "NotIpAddress": (_ip, True),
}


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [_bool_text(v) for v in value]
    return [_bool_text(value)]


def _lookup(context: Context, key: str) -> list[str] | None:
    wanted = key.lower()
    for name, value in context.items():
        if name.lower() == wanted:
            return [value] if isinstance(value, str) else list(value)
    return None


def condition_failure(condition: Mapping[str, Any], context: Context) -> str | None:
    """None if every condition holds, else why the first one does not (for logs)."""
    if not isinstance(condition, Mapping):
        raise PolicyError("Condition must be an object")
    for operator, keys in condition.items():
        if not isinstance(keys, Mapping):
            raise PolicyError(f"Condition {operator} must map keys to values")
        for key, expected in keys.items():
            actual = _lookup(context, key)
            if not _holds(operator, _as_list(expected), actual):
                shown = "absent" if actual is None else ", ".join(actual)
                wanted = ", ".join(_as_list(expected))
                return f"{operator} {key} = {wanted} is not met ({key}: {shown})"
    return None


def _holds(operator: str, expected: list[str], actual: list[str] | None) -> bool:
    qualifier, _, name = operator.rpartition(":")
    if qualifier not in ("", "ForAllValues", "ForAnyValue"):
        raise PolicyError(f"unknown condition qualifier {qualifier!r}")
    if name == "Null":
        # "true": the key must be absent; "false": present.
        return (actual is None) == (expected[0].lower() == "true")
    if_exists = name.endswith("IfExists")
    base = name.removesuffix("IfExists")
    if base not in _OPERATORS:
        raise PolicyError(f"condition operator {operator!r} is not supported locally")
    compare, negated = _OPERATORS[base]
    if actual is None:
        if qualifier == "ForAllValues":
            return True  # vacuously true for an absent key (AWS's documented trap)
        return if_exists or (negated and qualifier == "")

    def one(value: str) -> bool:
        matched = any(compare(p, value) for p in expected)
        return not matched if negated else matched

    if qualifier == "ForAllValues":
        return all(one(v) for v in actual)
    return any(one(v) for v in actual) if not negated or qualifier else all(one(v) for v in actual)
