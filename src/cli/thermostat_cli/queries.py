"""The CLI's reads: each is one key-range Query (or the status index), never a Scan."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from thermostat.contract import Reading
from thermostat.items import (
    STATUS_INDEX_KEY,
    STATUS_INDEX_NAME,
    STATUS_SK,
    day_sk,
    device_pk,
    hour_sk,
    reading_sk,
)
from thermostat_cli import records
from thermostat_cli.dynamo import PageHook, query_items
from thermostat_cli.errors import UnknownDevice
from thermostat_cli.records import DeviceStatus, Rollup
from thermostat_cli.timerange import TimeRange

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

RollupKind = Literal["hourly", "daily"]
_KEY_RANGE = "pk = :pk AND sk BETWEEN :low AND :high"


class Table:
    """Reads from the single table; ``on_page`` hears each page's size (for progress)."""

    def __init__(self, client: DynamoDBClient, name: str, on_page: PageHook | None = None):
        self.client = client
        self.name = name
        self.on_page = on_page

    def _key_range(self, device_id: str, low: str, high: str) -> Iterator[dict[str, object]]:
        return query_items(
            self.client,
            self.on_page,
            TableName=self.name,
            KeyConditionExpression=_KEY_RANGE,
            ExpressionAttributeValues={
                ":pk": {"S": device_pk(device_id)},
                ":low": {"S": low},
                ":high": {"S": high},
            },
        )

    def readings(self, device_id: str, span: TimeRange) -> Iterator[Reading]:
        """The device's readings in ``span``, oldest first."""
        low, high = reading_sk(span.start), reading_sk(span.last)
        for item in self._key_range(device_id, low, high):
            yield records.reading(item)

    def rollups(self, device_id: str, span: TimeRange, kind: RollupKind) -> Iterator[Rollup]:
        """Hourly or daily rollups whose UTC period overlaps ``span``, oldest first."""
        if kind == "hourly":
            first, last = span.hour_labels()
            low, high = hour_sk(first), hour_sk(last)
        else:
            first, last = span.day_labels()
            low, high = day_sk(first), day_sk(last)
        for item in self._key_range(device_id, low, high):
            yield Rollup.from_item(item)

    def statuses(self) -> Iterator[DeviceStatus]:
        """Every device's status item, by device id, from the sparse status index."""
        items = query_items(
            self.client,
            self.on_page,
            TableName=self.name,
            IndexName=STATUS_INDEX_NAME,
            KeyConditionExpression="#k = :status",
            ExpressionAttributeNames={"#k": STATUS_INDEX_KEY},
            ExpressionAttributeValues={":status": {"S": STATUS_SK}},
        )
        for item in items:
            yield DeviceStatus.from_item(item)

    def device_ids(self) -> list[str]:
        return [status.device_id for status in Table(self.client, self.name).statuses()]

    def has_items(self, device_id: str) -> bool:
        page = self.client.query(
            TableName=self.name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": device_pk(device_id)}},
            Limit=1,
        )
        return bool(page.get("Items"))

    def require_device(self, device_id: str) -> None:
        """Raise :class:`UnknownDevice`, naming the devices that exist, if this one does not."""
        if self.has_items(device_id):
            return
        known = self.device_ids()
        listing = ", ".join(known) if known else "none yet"
        raise UnknownDevice(
            f"unknown device {device_id!r}; devices in table {self.name!r}: {listing}"
        )
