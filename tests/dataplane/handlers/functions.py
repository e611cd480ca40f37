"""Tiny Lambda handlers the data-plane tests run under awslambdaric (no application logic)."""

import json
import os
import sys
import time
from pathlib import Path


def echo(event, context):
    """Return the event unchanged."""
    return event


def describe(event, context):
    """Return what the function sees of its context and Lambda environment variables."""
    names = (
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "_HANDLER",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "TABLE_NAME",
        "AWS_ACCESS_KEY_ID",
        "AWS_PROFILE",
    )
    return {
        "request_id": context.aws_request_id,
        "function_arn": context.invoked_function_arn,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "env": {name: os.environ.get(name) for name in names},
        "pid": os.getpid(),
    }


def fail(event, context):
    """Raise, so the runtime reports an unhandled error."""
    raise ValueError(event.get("message", "boom"))


def sleep(event, context):
    """Write the pid to event['pid_file'] (if given), then sleep event['seconds']."""
    if "pid_file" in event:
        Path(event["pid_file"]).write_text(str(os.getpid()))
    time.sleep(event.get("seconds", 3600))
    return {"slept": event.get("seconds", 3600)}


def crash(event, context):
    """Exit the process without answering, like a runtime that dies mid-invoke."""
    os._exit(event.get("code", 3))


def big(event, context):
    """Return a string of event['size'] characters."""
    return "x" * event["size"]


def log_lines(event, context):
    """Write each of event['lines'] to stdout, and one to stderr."""
    for line in event["lines"]:
        print(line)
    print("to stderr", file=sys.stderr)
    return len(event["lines"])


def respond(event, context):
    """Return the JSON inside the Function URL event's body as the function's response."""
    return json.loads(event["body"])


def url(event, context):
    """Function URL test handler: {"respond": X} in a JSON body returns X, {"raise": ...}
    raises; anything else returns the event itself (so tests can inspect it)."""
    if event.get("body") and not event.get("isBase64Encoded"):
        doc = json.loads(event["body"])
        if isinstance(doc, dict) and "respond" in doc:
            return doc["respond"]
        if isinstance(doc, dict) and "raise" in doc:
            raise RuntimeError(doc["raise"])
    return event


def log_record(event, context):
    """Log one record through the logging module (formatted by awslambdaric)."""
    import logging

    logging.getLogger().warning("reading stored: %s", event.get("id"))


def gate(event, context):
    """Create event['started'], then wait until event['gate'] exists (at most 60 s)."""
    Path(event["started"]).write_text(str(os.getpid()))
    deadline = time.monotonic() + 60
    while not Path(event["gate"]).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return {"gate": "opened"}
