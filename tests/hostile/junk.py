"""Hypothesis strategies for junk: arbitrary JSON, pathological bodies, methods, headers."""

from __future__ import annotations

import base64

from hypothesis import strategies as st

from tests.hostile.strategies import FIELDS, LEGACY_FIELDS, device_ids, numbers, timestamps

json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities: json.dumps writes NaN / Infinity tokens
    | st.text(max_size=20)
    | st.sampled_from([85.0, -127.0, 1e999, 10**30, "2026-11-21T20:00:00Z", "true"])
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(max_size=10) | st.sampled_from(FIELDS + LEGACY_FIELDS), children)
    ),
    max_leaves=6,
)
# Objects that look like readings, with any values: mostly invalid, sometimes not.
# Near-readings: each field present or not, a valid value or any JSON leaf; maybe extra keys.
_field_values = {
    "device_id": device_ids,
    "recorded_at": timestamps().map(lambda pair: pair[1]),
    "temperature_c": numbers(-40, 60),
    "setpoint_c": numbers(5, 35),
    "heating": st.booleans(),
}
reading_like = st.fixed_dictionaries(
    {},
    optional={
        **{name: values | json_leaves for name, values in _field_values.items()},
        "record_date": json_leaves,
        "readings": json_leaves,
    },
)


# Raw bodies that are not JSON documents a client meant to send.
pathological_bodies = st.one_of(
    st.text(st.characters(codec=None), max_size=200),  # incl. lone surrogates
    st.integers(1, 6000).map(lambda n: "9" * n),  # past int-conversion limits
    st.integers(1, 50_000).map(lambda n: "[" * n + "]" * n),  # deep nesting
    st.integers(1, 50_000).map(lambda n: '{"readings":' * n),
    st.sampled_from(["NaN", "[Infinity]", '{"temperature_c": -Infinity}', "null", "true", "{}"]),
    st.sampled_from(['{"a":1}{"b":2}', "\ufeff{}", "[1,]", "'single'", '{"x":"\\ud800"}']),
)

# Bytes become the body base64-encoded (isBase64Encoded), as Lambda does for binary bodies.
random_bytes_bodies = st.binary(max_size=300).map(lambda data: base64.b64encode(data).decode())
broken_base64 = st.text(max_size=50).filter(lambda s: s.strip() != "")

methods = st.sampled_from(["POST", "GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "post"])
content_types = st.sampled_from(
    [
        None,
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "application/json;",
        " application/json ",
        "application/jsonx",
        "text/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
    ]
)
header_names = st.sampled_from(["content-type", "Content-Type", "CONTENT-TYPE"])
