"""What every subcommand gets: the table, the output streams and the progress meter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from thermostat_cli.progress import Progress
from thermostat_cli.queries import Table


@dataclass
class Context:
    table: Table
    out: TextIO
    err: TextIO
    progress: Progress

    def note(self, message: str) -> None:
        """A message for the person, on stderr, so stdout stays pure data."""
        self.err.write(message + "\n")
