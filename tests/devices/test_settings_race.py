"""change_settings when someone else writes between its read and its write, on both DynamoDBs:
the versioned write refuses to overwrite; `thermostat set` applies its change again on top,
the dashboard (which worked its change out from what it saw) is told instead."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.cli.helpers import TABLE, create_contract_table
from tests.support.dynamodb_local import DynamoDBBackend
from thermostat.items import SettingsItem
from thermostat_cli.queries import SettingsConflict, Table
from thermostat_cli.settings_changes import change_settings

DEVICE = "hall"


class RacedTable(Table):
    """A table where another writer sets mode off right after our first read of the settings."""

    raced = False

    def settings(self, device_id: str) -> SettingsItem | None:
        seen = super().settings(device_id)
        if not self.raced:
            self.raced = True
            change_settings(Table(self.client, self.name), device_id, {"mode": "off"})
        return seen


@pytest.fixture
def table(dynamodb: DynamoDBBackend) -> Any:
    client = boto3.client("dynamodb")
    create_contract_table(client)
    return client


def test_a_raced_change_is_applied_again_on_top_of_the_other(table: Any) -> None:
    """thermostat set: the refused write is retried once; both changes are kept (version 2)."""
    item = change_settings(RacedTable(table, TABLE), DEVICE, {"setpoint_c": 22.5})
    assert (item.settings.version, item.settings.mode, item.settings.setpoint_c) == (2, "off", 22.5)
    stored = Table(table, TABLE).settings(DEVICE)
    assert stored is not None and stored.settings == item.settings


def test_a_raced_change_based_on_a_version_is_refused(table: Any) -> None:
    """The dashboard's change from version 0 loses to the other writer's version 1: refused."""
    with pytest.raises(SettingsConflict, match="the settings of 'hall' changed meanwhile"):
        change_settings(RacedTable(table, TABLE), DEVICE, {"setpoint_c": 22.5}, based_on=0)
    stored = Table(table, TABLE).settings(DEVICE)
    assert stored is not None
    assert (stored.settings.version, stored.settings.mode, stored.settings.setpoint_c) == (
        1,
        "off",
        20.0,
    )
