"""Build Lambda events from the JSON samples in tests/events/."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parents[1] / "events"


def load(name: str) -> Any:
    return json.loads((EVENTS / name).read_text())


def url_event(
    body: Any = None,
    *,
    raw: str | bytes | None = None,
    method: str = "POST",
    content_type: str | None = "application/json",
    base64_encoded: bool = False,
    iam: bool = True,
) -> dict[str, Any]:
    """A Function URL (payload 2.0) event carrying ``body`` as JSON, or ``raw`` as is."""
    event: dict[str, Any] = copy.deepcopy(load("function_url_v2.json"))
    event["requestContext"]["http"]["method"] = method
    if content_type is None:
        del event["headers"]["content-type"]
    else:
        event["headers"]["content-type"] = content_type
    if not iam:
        del event["requestContext"]["authorizer"]
    text: str | bytes = json.dumps(body) if raw is None else raw
    if base64_encoded:
        data = text.encode() if isinstance(text, str) else text
        event["body"] = base64.b64encode(data).decode()
        event["isBase64Encoded"] = True
    else:
        event["body"] = text if isinstance(text, str) else text.decode()
    return event


def response_json(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


PUBLISHED = EVENTS / "published"
# `sam local generate-event`'s defaults for the placeholders of its templates
# (samcli/lib/generated_sample_events/event-mapping.json).
SAM_DEFAULTS = {
    "account_id": "123456789012",
    "partition": "aws",
    "region": "us-east-1",
    "table": "ExampleTableWithStream",
    "rule": "ExampleRule",
}


def published(name: str, **tags: str) -> Any:
    """A sample event AWS published (tests/events/published/, sources in its README), as is;
    aws-sam-cli's templates rendered as ``sam local generate-event`` does (``tags`` override)."""
    text = (PUBLISHED / name).read_text()
    for tag, value in {**SAM_DEFAULTS, **tags}.items():
        text = text.replace("{{{" + tag + "}}}", value)
    return json.loads(text)
