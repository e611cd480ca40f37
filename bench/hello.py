"""The cold-start floor: a handler that imports nothing, started the same way as ours."""

from __future__ import annotations

from typing import Any


def handler(event: Any, context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": "hello"}
