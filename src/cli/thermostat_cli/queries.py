"""The CLI's reads: each is one key-range Query (or the status index), never a Scan."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from thermostat.contract import Reading
from thermostat.items import (
    READING_PREFIX,
    AlertItem,
    ItemError,
    ReadingItem,
    RollupItem,
    RollupKind,
    SettingsItem,
    StatusItem,
    alert_sk_range,
    device_query,
    from_wire,
    key_range_query,
    prefix_query,
    reading_sk,
    rollup_sk,
    rollups_with_open_hour,
    status_index_query,
    to_wire,
)
from thermostat_cli.dynamo import PageHook, query_items
from thermostat_cli.errors import BadItem, CliError, UnknownDevice
from thermostat_cli.timerange import TimeRange

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def with_newest(status: StatusItem, newest: ReadingItem | None) -> StatusItem:
    """``status`` showing ``newest`` if that reading arrived after the status was written."""
    if newest is None or newest.received_at <= status.last_seen_at:
        return status
    r = newest.reading
    return replace(
        status,
        last_recorded_at=r.recorded_at,
        last_seen_at=newest.received_at,
        temperature_c=r.temperature_c,
        setpoint_c=r.setpoint_c,
        heating=r.heating,
    )


T = TypeVar("T")


class SettingsConflict(CliError, RuntimeError):
    """Someone else changed the device's settings between our read and our write."""


def typed(parse: Callable[[Mapping[str, Any]], T], items: Iterator[dict[str, Any]]) -> Iterator[T]:
    """Each item as its type; an item that breaks the layout stops the command, named."""
    for item in items:
        try:
            yield parse(item)
        except ItemError as err:
            raise BadItem(str(err)) from err


class Table:
    """Reads from the single table; ``on_page`` hears each page's size (for progress)."""

    def __init__(self, client: DynamoDBClient, name: str, on_page: PageHook | None = None):
        self.client = client
        self.name = name
        self.on_page = on_page

    def _key_range(self, device_id: str, low: str, high: str) -> Iterator[dict[str, Any]]:
        return query_items(
            self.client, self.on_page, TableName=self.name, **key_range_query(device_id, low, high)
        )

    def readings(self, device_id: str, span: TimeRange) -> Iterator[Reading]:
        """The device's readings in ``span``, oldest first."""
        low, high = reading_sk(span.start), reading_sk(span.last)
        for stored in typed(ReadingItem.from_item, self._key_range(device_id, low, high)):
            yield stored.reading

    def rollups(self, device_id: str, span: TimeRange, kind: RollupKind) -> list[RollupItem]:
        """Hourly or daily rollups whose UTC period overlaps ``span``, oldest first: the
        closed ones, and the device's open hour (kept on its status until the hour ends)."""
        first, last = span.hour_labels() if kind == "hourly" else span.day_labels()
        low, high = rollup_sk(kind, first), rollup_sk(kind, last)
        closed = list(typed(RollupItem.from_item, self._key_range(device_id, low, high)))
        return rollups_with_open_hour(closed, self.status(device_id), kind, first, last)

    def status(self, device_id: str) -> StatusItem | None:
        item = self.client.get_item(
            TableName=self.name, Key=to_wire(StatusItem.key_of(device_id))
        ).get("Item")
        return next(typed(StatusItem.from_item, iter([from_wire(item)]))) if item else None

    def settings(self, device_id: str) -> SettingsItem | None:
        """The device's desired settings (read consistently: a change builds on the latest)."""
        item = self.client.get_item(
            TableName=self.name, Key=to_wire(SettingsItem.key_of(device_id)), ConsistentRead=True
        ).get("Item")
        return next(typed(SettingsItem.from_item, iter([from_wire(item)]))) if item else None

    def put_settings(self, item: SettingsItem, *, previous_version: int) -> None:
        """Write new settings unless someone changed them since ``previous_version``."""
        from botocore.exceptions import ClientError

        try:
            self.client.put_item(
                TableName=self.name,
                Item=to_wire(item.to_item()),
                **SettingsItem.version_condition(previous_version),
            )
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise SettingsConflict(
                    f"the settings of {item.device_id!r} changed meanwhile; try again"
                ) from err
            raise

    def alerts(self, device_id: str, since: datetime) -> Iterator[AlertItem]:
        """The device's alerts since ``since``, oldest first (one key range)."""
        low, high = alert_sk_range(since)
        return typed(AlertItem.from_item, self._key_range(device_id, low, high))

    def delete_status(self, device_id: str) -> None:
        """Forget the device's live state (a removed device is not watched for silence)."""
        self.client.delete_item(TableName=self.name, Key=to_wire(StatusItem.key_of(device_id)))

    def newest_reading(self, device_id: str) -> ReadingItem | None:
        """The device's newest reading (one Query, newest first, one item)."""
        page = self.client.query(
            TableName=self.name,
            ScanIndexForward=False,
            Limit=1,
            **prefix_query(device_id, READING_PREFIX),
        )
        items = [from_wire(item) for item in page.get("Items", [])]
        return next(typed(ReadingItem.from_item, iter(items)), None)

    def statuses(self) -> Iterator[StatusItem]:
        """Every device's status (the sparse status index), brought up to its newest reading:
        the status item is written once a stream batch, the reading as soon as it arrives."""
        items = query_items(self.client, self.on_page, TableName=self.name, **status_index_query())
        for status in typed(StatusItem.from_item, items):
            yield with_newest(status, self.newest_reading(status.device_id))

    def device_ids(self) -> list[str]:
        return [status.device_id for status in Table(self.client, self.name).statuses()]

    def has_items(self, device_id: str) -> bool:
        page = self.client.query(TableName=self.name, Limit=1, **device_query(device_id))
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
