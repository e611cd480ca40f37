"""The JSON Lambda exchanges with a DynamoDB stream function, and what it sends on failure.

* the event: https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html (``Records[]``);
* the partial batch response:
  https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html;
* the on-failure destination record:
  https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lambda_dataplane.item_size import stream_record_size


@dataclass(frozen=True)
class StreamRecord:
    """One stream record as Lambda hands it to the function, plus what the poller needs."""

    sequence_number: str
    arrival: datetime
    event: Mapping[str, Any]

    @property
    def order(self) -> int:
        # Sequence numbers are decimal strings of varying length: compare them as numbers.
        return int(self.sequence_number)


def to_lambda_record(
    raw: Mapping[str, Any], *, stream_arn: str, region: str | None = None
) -> StreamRecord:
    """Turn a ``GetRecords`` record (as boto3 parses it) into a Lambda event record.

    region: the stack's region, for ``awsRegion`` (None: the stream ARN's). The emulators'
    own value is not the table's region: moto always says us-east-1, DynamoDB Local
    ``ddblocal``."""
    stream = dict(raw["dynamodb"])
    created = stream.get("ApproximateCreationDateTime")
    arrival = created.astimezone(UTC) if isinstance(created, datetime) else datetime.now(UTC)
    # Lambda sends epoch seconds; boto3 has parsed them into a datetime.
    stream["ApproximateCreationDateTime"] = int(arrival.timestamp())
    # DynamoDB's item-size rules, not the emulator's figure (moto counts its JSON's length).
    # An image the rules cannot size (DynamoDB Local's stream turns an empty map inside a list
    # into {}) keeps the emulator's figure rather than holding up the shard.
    with contextlib.suppress(ValueError):
        stream["SizeBytes"] = stream_record_size(stream)
    for image in ("Keys", "NewImage", "OldImage"):
        if image in stream:
            stream[image] = _json_attributes(stream[image])
    event = {
        "eventID": raw["eventID"],
        "eventName": raw["eventName"],
        # Lambda's DynamoDB events say 1.1 (moto's GetRecords says 1.0): with-ddb.html.
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region or _arn_region(stream_arn) or raw["awsRegion"],
        "dynamodb": stream,
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in raw:
        event["userIdentity"] = raw["userIdentity"]
    return StreamRecord(str(stream["SequenceNumber"]), arrival, event)


def _arn_region(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[0] == "arn" and parts[3] else None


def _json_attributes(value: Any) -> Any:
    """boto3 decodes B/BS values to bytes; the Lambda event carries them as base64 text."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {key: _json_attributes(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_attributes(item) for item in value]
    return value


def event_payload(records: Sequence[StreamRecord]) -> bytes:
    return json.dumps({"Records": [record.event for record in records]}).encode()


@dataclass(frozen=True)
class BatchOutcome:
    """How Lambda reads a stream function's answer.

    ``failed_from`` is the index in the batch to retry from: ``None`` is full success,
    0 with ``whole_batch`` is a complete failure (function error or bad response).
    """

    failed_from: int | None
    whole_batch: bool = False


SUCCESS = BatchOutcome(None)
WHOLE_BATCH_FAILED = BatchOutcome(0, whole_batch=True)


def read_outcome(
    payload: bytes,
    function_error: str | None,
    batch: Sequence[StreamRecord],
    *,
    report_item_failures: bool,
) -> BatchOutcome:
    """Apply the success and failure conditions of the partial batch response docs."""
    if function_error:
        return WHOLE_BATCH_FAILED
    if not report_item_failures:
        return SUCCESS
    try:
        response = json.loads(payload) if payload.strip() else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return WHOLE_BATCH_FAILED
    if not isinstance(response, dict):
        return SUCCESS  # "null EventResponse" (and anything that is not one) is success
    failures = response.get("batchItemFailures")
    if not failures:
        return SUCCESS
    if not isinstance(failures, list):
        return WHOLE_BATCH_FAILED
    positions = {record.sequence_number: index for index, record in enumerate(batch)}
    indices = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in positions:
            return WHOLE_BATCH_FAILED
        indices.append(positions[identifier])
    # Lambda checkpoints at the lowest reported sequence number and retries from there.
    return BatchOutcome(min(indices))


def failure_message(
    batch: Sequence[StreamRecord],
    *,
    condition: str,
    shard_id: str,
    stream_arn: str,
    function_arn: str,
    invoke_count: int,
    request_id: str | None,
    function_error: str | None,
    now: datetime,
) -> dict[str, Any]:
    """The record of a failed batch sent to the on-failure destination (SQS)."""
    response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if function_error:
        response["functionError"] = function_error
    return {
        "requestContext": {
            "requestId": request_id or "",
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": _iso(now, millis=True),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": batch[0].sequence_number,
            "endSequenceNumber": batch[-1].sequence_number,
            "approximateArrivalOfFirstRecord": _iso(batch[0].arrival),
            "approximateArrivalOfLastRecord": _iso(batch[-1].arrival),
            "batchSize": len(batch),
            "streamArn": stream_arn,
        },
    }


def _iso(moment: datetime, *, millis: bool = False) -> str:
    utc = moment.astimezone(UTC)
    if millis:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
