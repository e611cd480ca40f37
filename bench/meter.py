"""Counts the billable AWS requests a function really makes, with botocore event hooks.

Installed on a boto3 session before the functions build their clients (each client copies
the session's event handlers when it is created), it sees every DynamoDB and SNS call they
make, with its parameters and its answer, and charges it to the function running at the time
(:attr:`Meter.current`). Request units follow DynamoDB's documented rules
(:mod:`bench.dynamo_units`). What a write replaced comes from a copy of every item the
functions wrote (a fresh table, so nothing else is in it); what an UpdateItem left behind, and
every item a Query read (it is run again without its projection and filter), are read through
a separate, uncounted client in :meth:`Meter.settle`, after the invocation's clock stopped, so
the meter adds nothing to the durations it sits beside.
https://boto3.amazonaws.com/v1/documentation/api/latest/guide/events.html
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from bench import dynamo_units as units
from bench.usage import FunctionUsage, TableShape, item_kind, only_key_condition

_IGNORED = ("DescribeTable", "DescribeTimeToLive")  # control plane: not billed per request


class Meter:
    def __init__(
        self,
        lookup: Any,
        tables: Mapping[str, TableShape],
        *,
        write_unit_bytes: int = 1024,
        read_unit_bytes: int = 4096,
        sns_chunk_bytes: int = 65536,
    ) -> None:
        self._lookup = lookup  # a DynamoDB client that is not metered
        self._tables = dict(tables)
        self._write_bytes, self._read_bytes = write_unit_bytes, read_unit_bytes
        self._sns_chunk = sns_chunk_bytes
        self.usage: dict[str, FunctionUsage] = {}
        self.current: str | None = None
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str], dict[str, Any]] = {}  # what the table holds
        self._later: list[Callable[[], None]] = []

    def log(self, function: str, level: str, line: str) -> None:
        usage = self.of(function)
        with self._lock:
            counts = usage.logs.setdefault(level, [0, 0])
            counts[0] += 1
            counts[1] += len(line.encode())

    def of(self, function: str) -> FunctionUsage:
        with self._lock:
            return self.usage.setdefault(function, FunctionUsage())

    def known(self, table: str, item: Mapping[str, Any]) -> None:
        """An item the bench itself wrote (not billed), so later writes see it replaced."""
        self._items[self._id(table, item)] = dict(item)

    @contextlib.contextmanager
    def installed(self, events: Any) -> Iterator[None]:
        """Hooks on ``events`` (a botocore session, or a boto3 session's ``events``) while
        inside: every client created meanwhile is metered for life."""
        handlers = (
            ("before-parameter-build.dynamodb", self._remember),
            ("after-call.dynamodb", self._after),
            ("before-parameter-build.sns", self._remember),
            ("after-call.sns", self._after),
        )
        for event, handler in handlers:
            events.register(event, handler)
        try:
            yield
        finally:
            for event, handler in handlers:
                events.unregister(event, handler)

    def settle(self) -> None:
        """Size what needs reading back (UpdateItem results, Query pages): call it after each
        invocation, outside its timing."""
        while self._later:
            self._later.pop(0)()

    # --- hooks ----------------------------------------------------------------------------

    def _remember(
        self, params: Mapping[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        context["cost_meter"] = {
            "service": model.service_model.service_name,
            "operation": model.name,
            "params": dict(params),
            "function": self.current or "(outside any invocation)",
        }

    def _id(self, table: str, item: Mapping[str, Any]) -> tuple[str, str]:
        key = {name: item[name] for name in self._tables[table].keys}
        return table, json.dumps(key, sort_keys=True)

    def _charge(
        self,
        function: str,
        kind: str,
        *,
        read: float = 0.0,
        write: float = 0.0,
        index: float = 0.0,
    ) -> None:
        usage = self.of(function)
        with self._lock:
            usage.read_units += read
            usage.write_units += write + index
            usage.index_write_units += index
            by_kind = usage.units_by_kind.setdefault(kind, [0.0, 0.0, 0.0])
            by_kind[0] += read
            by_kind[1] += write + index
            by_kind[2] += index

    def _charge_read(
        self, function: str, kind: str, items: Sequence[Any], params: Mapping[str, Any]
    ) -> None:
        """The items read, summed, then rounded up to read units once (GetItem, a Query page)."""
        size = sum(units.item_size(item) for item in items)
        consistent = bool(params.get("ConsistentRead"))
        read = units.read_units(size, consistent=consistent, unit_bytes=self._read_bytes)
        self._charge(function, kind, read=read)

    def _after(
        self, http_response: Any, parsed: Mapping[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        call = context.get("cost_meter")
        if call is None:
            return
        ok = http_response.status_code < 300
        if call["service"] == "sns":
            self._after_sns(call, ok)
        else:
            self._after_dynamodb(call, ok, parsed)

    def _after_dynamodb(self, call: Mapping[str, Any], ok: bool, parsed: Mapping[str, Any]) -> None:
        operation, params, function = call["operation"], call["params"], call["function"]
        usage = self.of(function)
        with self._lock:
            usage.requests[operation] += 1
        code = parsed.get("Error", {}).get("Code") if not ok else None
        if operation == "GetItem":
            item = parsed.get("Item")
            if "ProjectionExpression" in params and item:
                self._later.append(lambda: self._get_whole(function, params))
            else:
                self._charge_read(
                    function, item_kind(params["Key"]), [item] if item else [], params
                )
        elif operation == "Query":
            self._later.append(lambda: self._query(function, params))
        elif operation in ("PutItem", "DeleteItem"):
            self._put_or_delete(function, operation, params, ok, code)
        elif operation == "UpdateItem":
            self._update(function, params, ok, code)
        elif operation == "BatchWriteItem":
            if ok:
                self._batch_write(function, params, parsed)
        elif operation not in _IGNORED:
            with self._lock:
                usage.unmetered[operation] += 1

    def _get_whole(self, function: str, params: Mapping[str, Any]) -> None:
        item = self._lookup.get_item(TableName=params["TableName"], Key=params["Key"]).get("Item")
        self._charge_read(function, item_kind(params["Key"]), [item] if item else [], params)

    def _query(self, function: str, params: Mapping[str, Any]) -> None:
        page = self._lookup.query(**only_key_condition(params)).get("Items", [])
        kind = item_kind(page[0]) if page else "Query"
        self._charge_read(function, kind if "IndexName" not in params else "index", page, params)

    def _failed_condition(self, function: str, table: str, key_of: Mapping[str, Any]) -> None:
        old = self._items.get(self._id(table, key_of))
        size = units.item_size(old) if old else 0
        write = units.write_units(size, self._write_bytes)
        self._charge(function, item_kind(key_of), write=write)

    def _replace(
        self, function: str, table: str, old: Any, new: Any, ident: tuple[str, str]
    ) -> None:
        sizes = [units.item_size(i) for i in (old, new) if i]
        write = units.write_units(max(sizes, default=0), self._write_bytes)
        index = sum(
            units.index_write_units(old, new, ix.keys, ix.projection)
            for ix in self._tables[table].indexes
        )
        self._charge(function, item_kind(old or new or {}), write=write, index=index)
        if new is None:
            self._items.pop(ident, None)
        else:
            self._items[ident] = dict(new)

    def _put_or_delete(
        self, function: str, operation: str, params: Mapping[str, Any], ok: bool, code: Any
    ) -> None:
        table = params["TableName"]
        key_of = params["Item"] if operation == "PutItem" else params["Key"]
        if not ok:
            if code == "ConditionalCheckFailedException":
                self._failed_condition(function, table, key_of)
            return  # throttled or invalid: not billed
        ident = self._id(table, key_of)
        new = params["Item"] if operation == "PutItem" else None
        self._replace(function, table, self._items.get(ident), new, ident)

    def _update(self, function: str, params: Mapping[str, Any], ok: bool, code: Any) -> None:
        table = params["TableName"]
        if not ok:
            if code == "ConditionalCheckFailedException":
                self._failed_condition(function, table, params["Key"])
            return
        ident = self._id(table, params["Key"])
        old = self._items.get(ident)

        def after() -> None:
            new = self._lookup.get_item(
                TableName=table, Key=params["Key"], ConsistentRead=True
            ).get("Item")
            self._replace(function, table, old, new, ident)

        self._later.append(after)

    def _batch_write(
        self, function: str, params: Mapping[str, Any], parsed: Mapping[str, Any]
    ) -> None:
        left = parsed.get("UnprocessedItems", {})
        for table, requests in params["RequestItems"].items():
            for request in requests:
                if request in left.get(table, []):
                    continue  # not written: not billed
                if "PutRequest" in request:
                    new, key_of = request["PutRequest"]["Item"], request["PutRequest"]["Item"]
                else:
                    new, key_of = None, request["DeleteRequest"]["Key"]
                ident = self._id(table, key_of)
                self._replace(function, table, self._items.get(ident), new, ident)

    def _after_sns(self, call: Mapping[str, Any], ok: bool) -> None:
        usage = self.of(call["function"])
        with self._lock:
            usage.requests[f"sns:{call['operation']}"] += 1
            if call["operation"] != "Publish":
                usage.unmetered[f"sns:{call['operation']}"] += 1
                return
            if not ok:
                return
            params = call["params"]
            size = len(str(params.get("Message", "")).encode()) + len(
                str(params.get("Subject", "")).encode()
            )
            for name, attribute in params.get("MessageAttributes", {}).items():
                size += len(name.encode()) + len(str(attribute.get("StringValue", "")).encode())
            usage.sns_requests += max(1, math.ceil(size / self._sns_chunk))
            usage.sns_messages += 1
