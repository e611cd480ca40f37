"""The Lambda API's view of what the data plane runs: function, URL and mapping documents.

Shapes from the API reference: GetFunction (https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html),
GetFunctionUrlConfig (.../API_GetFunctionUrlConfig.html) and GetEventSourceMapping
(.../API_GetEventSourceMapping.html).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from lambda_dataplane.config import FunctionConfig
from lambda_dataplane.stack import MappingSpec, UrlSpec
from lambda_dataplane.stream_mapping import StreamMapping

TAIL_BYTES = 4096  # LogType=Tail: "the last 4 KB of the execution log"


class RecentLogs:
    """Collects a function's output lines while an invocation of it is being captured."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._captures: dict[str, list[list[str]]] = {}

    def add(self, function: str, line: str) -> None:
        with self._lock:
            for capture in self._captures.get(function, []):
                capture.append(line)

    @contextmanager
    def capture(self, function: str) -> Iterator[list[str]]:
        lines: list[str] = []
        with self._lock:
            self._captures.setdefault(function, []).append(lines)
        try:
            yield lines
        finally:
            with self._lock:
                self._captures[function].remove(lines)


def log_tail(lines: list[str]) -> bytes:
    """The last 4 KB of an invocation's log, whole lines where possible."""
    data = "".join(f"{line}\n" for line in lines).encode()
    return data[-TAIL_BYTES:]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def patch_function(configuration: dict[str, Any], config: FunctionConfig) -> None:
    """What moto's CloudFormation leaves out of an image function's configuration."""
    configuration["PackageType"] = "Image"
    configuration.setdefault("State", "Active")
    configuration.setdefault("LastUpdateStatus", "Successful")
    configuration["ImageConfigResponse"] = {"ImageConfig": {"Command": list(config.command)}}
    configuration.pop("Runtime", None)
    configuration.pop("Handler", None)


def url_config(spec: UrlSpec, url: str, created: datetime) -> dict[str, Any]:
    return {
        "FunctionUrl": url,
        "FunctionArn": spec.function.arn,
        "AuthType": spec.auth_type,
        "CreationTime": _iso(created),
        "LastModifiedTime": _iso(created),
        "InvokeMode": "BUFFERED",
    }


def mapping_uuid(stack_name: str, logical_id: str) -> str:
    """Stable across restarts of the same stack, like a mapping that was created once."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"lambda-dataplane:{stack_name}/{logical_id}"))


def mapping_document(
    spec: MappingSpec, mapping: StreamMapping | None, *, stack_name: str, started: float
) -> dict[str, Any]:
    c = spec.config
    results = [p.stats.last_result for p in (mapping.pollers.values() if mapping else [])]
    last = next((r for r in results if r.startswith("PROBLEM")), None)
    last = last or ("OK" if "OK" in results else "No records processed")
    doc: dict[str, Any] = {
        "UUID": mapping_uuid(stack_name, spec.logical_id),
        "StartingPosition": c.starting_position,
        "BatchSize": c.batch_size,
        "MaximumBatchingWindowInSeconds": int(c.batching_window_seconds),
        "ParallelizationFactor": 1,
        "EventSourceArn": c.stream_arn,
        "FunctionArn": c.function_arn,
        "LastModified": started,
        "LastProcessingResult": last,
        "State": "Enabled" if mapping is not None and mapping.running else "Disabled",
        "StateTransitionReason": "User action",
        "DestinationConfig": {"OnFailure": {"Destination": c.on_failure_destination}}
        if c.on_failure_destination
        else {},
        "MaximumRecordAgeInSeconds": c.maximum_record_age_seconds,
        "BisectBatchOnFunctionError": c.bisect_on_error,
        "MaximumRetryAttempts": c.maximum_retry_attempts,
        "TumblingWindowInSeconds": 0,
        "FunctionResponseTypes": ["ReportBatchItemFailures"]
        if c.report_batch_item_failures
        else [],
    }
    if c.filters.patterns:
        doc["FilterCriteria"] = {"Filters": [{"Pattern": p} for p in c.filters.patterns]}
    return doc


def now_epoch() -> float:
    return round(time.time(), 3)
