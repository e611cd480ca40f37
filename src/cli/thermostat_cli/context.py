"""What every subcommand gets: the table, the output streams and the progress meter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TextIO

from thermostat_cli.connection import Connection, service_client
from thermostat_cli.errors import ConfigProblem
from thermostat_cli.progress import Progress
from thermostat_cli.queries import Table


@dataclass
class Context:
    table: Table
    out: TextIO
    err: TextIO
    progress: Progress
    connection: Connection | None = None
    _outputs: dict[str, str] | None = field(default=None, repr=False)

    def client(self, service: str) -> Any:
        """A client of another AWS service (IAM, CloudFormation) with the same settings."""
        if self.connection is None:
            raise ConfigProblem("no AWS connection")
        return service_client(self.connection, service)

    @property
    def stack(self) -> str:
        if self.connection is None or not self.connection.stack:
            raise ConfigProblem(
                "no stack given: pass --stack NAME (or set THERMOSTAT_STACK), or start `make dev`"
            )
        return self.connection.stack

    def outputs(self) -> dict[str, str]:
        """The stack's CloudFormation outputs (read once)."""
        if self._outputs is None:
            from thermostat.stacks import stack_outputs

            self._outputs = stack_outputs(self.client("cloudformation"), self.stack)
        return self._outputs

    def note(self, message: str) -> None:
        """A message for the person, on stderr, so stdout stays pure data."""
        self.err.write(message + "\n")
