"""The DynamoDB single-table layout (see the README's "Table layout").

| item          | pk                   | sk                                |
| ------------- | -------------------- | --------------------------------- |
| reading       | ``DEVICE#<id>``      | ``READING#<UTC RFC 3339, ms, Z>`` |
| hourly rollup | ``DEVICE#<id>``      | ``HOUR#<YYYY-MM-DDTHH>``          |
| daily rollup  | ``DEVICE#<id>``      | ``DAY#<YYYY-MM-DD>``              |
| device status | ``DEVICE#<id>``      | ``STATUS``                        |

Status items also carry ``status_key = "STATUS"``, the partition key of the sparse
``DeviceStatusIndex``, so listing every device is one Query, not a Scan.

Items here are plain dicts with :class:`~decimal.Decimal` numbers, the form boto3's
``TypeSerializer``/``TypeDeserializer`` and the resource API use. No boto3 import.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from thermostat.contract import Reading, format_timestamp

PK_PREFIX = "DEVICE#"
READING_PREFIX = "READING#"
HOUR_PREFIX = "HOUR#"
DAY_PREFIX = "DAY#"
STATUS_SK = "STATUS"
STATUS_INDEX_NAME = "DeviceStatusIndex"
STATUS_INDEX_KEY = "status_key"
TTL_ATTRIBUTE = "expires_at"

ITEM_TYPE_READING = "reading"
ITEM_TYPE_HOURLY = "hourly"
ITEM_TYPE_DAILY = "daily"
ITEM_TYPE_STATUS = "status"


def device_pk(device_id: str) -> str:
    return f"{PK_PREFIX}{device_id}"


def device_id_from_pk(pk: str) -> str:
    if not pk.startswith(PK_PREFIX):
        raise ValueError(f"not a device partition key: {pk!r}")
    return pk[len(PK_PREFIX) :]


def reading_sk(recorded_at: datetime) -> str:
    return f"{READING_PREFIX}{format_timestamp(recorded_at)}"


def hour_label(moment: datetime) -> str:
    """``YYYY-MM-DDTHH`` of the UTC hour that contains ``moment``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H")


def day_label(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def hour_sk(label: str) -> str:
    return f"{HOUR_PREFIX}{label}"


def day_sk(label: str) -> str:
    return f"{DAY_PREFIX}{label}"


def reading_key(device_id: str, recorded_at: datetime) -> dict[str, str]:
    return {"pk": device_pk(device_id), "sk": reading_sk(recorded_at)}


def to_decimal(value: float) -> Decimal:
    # str() keeps the rounded decimal digits (Decimal(0.1) would not).
    return Decimal(str(value))


def reading_item(
    reading: Reading,
    *,
    received_at: datetime,
    retention_days: int,
    caller: str | None = None,
) -> dict[str, Any]:
    """The stored form of a reading. ``retention_days`` 0 keeps it forever (no TTL)."""
    item: dict[str, Any] = {
        **reading_key(reading.device_id, reading.recorded_at),
        "item_type": ITEM_TYPE_READING,
        "device_id": reading.device_id,
        "recorded_at": reading.timestamp,
        "temperature_c": to_decimal(reading.temperature_c),
        "setpoint_c": to_decimal(reading.setpoint_c),
        "heating": reading.heating,
        "received_at": format_timestamp(received_at),
    }
    if retention_days > 0:
        expires = reading.recorded_at + timedelta(days=retention_days)
        item[TTL_ATTRIBUTE] = int(expires.timestamp())
    if caller:
        item["caller"] = caller
    return item


def reading_from_item(item: dict[str, Any]) -> Reading:
    """Back from the stored form (plain python values, Decimals allowed) to the model."""
    return Reading.model_validate(
        {
            "device_id": item["device_id"],
            "recorded_at": item["recorded_at"],
            "temperature_c": float(item["temperature_c"]),
            "setpoint_c": float(item["setpoint_c"]),
            "heating": item["heating"],
        }
    )
