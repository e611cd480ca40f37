"""Which table each request reads, and the one wrapper every read goes through.

The connection is resolved again for each request (flags, ``THERMOSTAT_TABLE``, else
``make dev``'s endpoints file), so a dashboard started before ``make dev`` finds the stack
once it is up, and follows it when it restarts on another port. Clients are cached per
connection: building one costs more than the Query it sends.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from thermostat.items import STATUS_INDEX_NAME, table_definition
from thermostat_cli import connection
from thermostat_cli.connection import Connection
from thermostat_cli.dashboard.problems import NotOurTable
from thermostat_cli.dynamo import translated_errors
from thermostat_cli.errors import CliError, ConfigProblem, TableUnavailable
from thermostat_cli.queries import Table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

T = TypeVar("T")


class TableSource:
    """Reads run through :meth:`read`: botocore's errors come out as ``CliError``."""

    def __init__(
        self,
        *,
        table: str | None = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        profile: str | None = None,
        stack: str | None = None,
        environ: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self._flags = {
            "table": table,
            "endpoint_url": endpoint_url,
            "region": region,
            "profile": profile,
            "stack": stack,
        }
        self._environ = environ
        self._cwd = cwd
        self._clients: dict[Connection, DynamoDBClient] = {}
        self._tables: dict[Connection, str] = {}  # --stack only: its TableName output
        self._lock = threading.Lock()

    def resolve(self) -> Connection:
        return connection.resolve(**self._flags, environ=self._environ, cwd=self._cwd)

    def describe(self) -> str:
        """Where the data comes from, for the page's footer and the startup line."""
        conn = self.resolve()
        where = conn.endpoint_url or "AWS"
        table = conn.table or self._tables.get(conn)
        if not table:
            return f"the table of stack {conn.stack!r} at {where} (from {conn.source})"
        return f"table {table!r} at {where} (from {conn.source})"

    def warm(self) -> None:
        """Build the client, and find ``--stack``'s table, before the first request needs them.

        boto3's first client costs about 0.2 s (imports, the service model); run while the
        server starts, the first page does not wait for it. A problem is left for the page to
        say: every request resolves the connection again.
        """
        with contextlib.suppress(CliError):
            conn = self.resolve()
            self._client(conn)
            if not conn.table:
                self._stack_table(conn)

    def _client(self, conn: Connection) -> DynamoDBClient:
        with self._lock:
            if conn not in self._clients:
                with translated_errors(conn.table, conn.endpoint_url or "AWS"):
                    self._clients[conn] = connection.client(conn, self._environ)
            return self._clients[conn]

    def _stack_table(self, conn: Connection) -> str:
        """The TableName output of ``--stack`` (read once per connection)."""
        from botocore import exceptions as bce

        from thermostat.stacks import stack_outputs

        with self._lock:
            if conn in self._tables:
                return self._tables[conn]
        with translated_errors(str(conn.stack), conn.endpoint_url or "AWS"):
            cloudformation = connection.service_client(conn, "cloudformation", self._environ)
        where = cloudformation.meta.endpoint_url
        with translated_errors(str(conn.stack), where):
            try:
                outputs = stack_outputs(cloudformation, str(conn.stack))
            except bce.ClientError as err:
                if "does not exist" not in str(err):
                    raise
                raise ConfigProblem(
                    f"no stack {conn.stack!r} at {where}: pass --stack with the name it was"
                    " deployed as, or --table"
                ) from err
        if "TableName" not in outputs:
            raise NotOurTable(f"stack {conn.stack!r} has no TableName output: is it ours?")
        with self._lock:
            self._tables[conn] = outputs["TableName"]
        return outputs["TableName"]

    def read(self, reader: Callable[[Table], T]) -> T:
        """Run ``reader`` against the table; raise a ``CliError`` that says what went wrong."""
        from botocore import exceptions as bce

        conn = self.resolve()
        client = self._client(conn)
        where = client.meta.endpoint_url
        table = conn.table or self._stack_table(conn)
        with translated_errors(table, where):
            try:
                return reader(Table(client, table))
            except bce.EndpointConnectionError as err:
                if conn.source in ("--table", connection.TABLE_ENV):
                    raise
                raise TableUnavailable(
                    f"nothing answers at {where}: is `make dev` running? ({conn.source}"
                    " names that endpoint; it may be left from an earlier run)"
                ) from err
            except bce.ClientError as err:
                # AWS answers a missing index with ValidationException, moto and DynamoDB
                # Local with ResourceNotFoundException: either may mean "not our table".
                code = err.response.get("Error", {}).get("Code")
                if code not in ("ValidationException", "ResourceNotFoundException"):
                    raise
                why = not_ours(client, table, err)
                if why is None:
                    raise
                raise NotOurTable(why) from err


def not_ours(client: DynamoDBClient, table: str, err: Exception) -> str | None:
    """Why DynamoDB refused our Query: the table's keys or index, when DescribeTable says;
    None when the table does not exist at all (that error says it already)."""
    from botocore import exceptions as bce

    hint = "pass --table with the stack's TableName output"
    try:
        described: Any = client.describe_table(TableName=table)["Table"]
    except bce.ClientError as problem:
        if problem.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        return f"table {table!r} does not answer like a thermostat table ({err}); {hint}"
    except bce.BotoCoreError:
        return f"table {table!r} does not answer like a thermostat table ({err}); {hint}"
    expected = table_definition()
    keys = [(k["AttributeName"], k["KeyType"]) for k in described.get("KeySchema", [])]
    wanted = [(k["AttributeName"], k["KeyType"]) for k in expected["KeySchema"]]
    indexes = {i["IndexName"] for i in described.get("GlobalSecondaryIndexes", [])}
    reasons = []
    if keys != wanted:
        shown = ", ".join(f"{name} ({kind})" for name, kind in keys)
        reasons.append(f"its key is {shown}, not pk (HASH), sk (RANGE)")
    if STATUS_INDEX_NAME not in indexes:
        reasons.append(f"it has no {STATUS_INDEX_NAME}")
    why = " and ".join(reasons) or str(err)
    return f"table {table!r} is not a thermostat table: {why}; {hint}"
