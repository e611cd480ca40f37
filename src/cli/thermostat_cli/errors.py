"""The CLI's errors. ``main`` turns each into one line on stderr and its exit code."""

from __future__ import annotations

from thermostat.errors import ThermostatError

# Exit codes, documented in docs/cli.md. 2 is also what argparse uses for bad usage.
EXIT_OK = 0
EXIT_NO_SUCH_DATA = 1
EXIT_ENVIRONMENT = 2


class CliError(ThermostatError):
    """Root of the errors the command reports to the user instead of a traceback."""

    exit_code = EXIT_ENVIRONMENT


class ConfigProblem(CliError, ValueError):
    """No table was named, or a setting (devstack file, profile, region) is unusable."""


class BadArguments(CliError, ValueError):
    """Arguments that parse but do not make sense together."""


class TableUnavailable(CliError, ConnectionError):
    """No credentials, the endpoint cannot be reached, or the table does not exist."""


class UnknownDevice(CliError, LookupError):
    """The table holds nothing for this device id."""

    exit_code = EXIT_NO_SUCH_DATA


class NothingToPlot(CliError, LookupError):
    """The device exists but has no readings in the requested range."""

    exit_code = EXIT_NO_SUCH_DATA


class BadItem(CliError, ValueError):
    """An item in the table does not follow the data contract."""

    exit_code = EXIT_NO_SUCH_DATA
