"""What ``make dev`` stored survives Ctrl-C and SIGKILL; a real Pi loses nothing across a
restart; ``--fresh`` starts empty. Real processes throughout."""

from __future__ import annotations

import signal
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from devstack.moto import port_is_listening
from lambda_dataplane import children
from tests.e2e.devstack_process import (
    Devstack,
    post_reading,
    table_items,
    wait_for_items,
)
from tests.e2e.e2e_support import functions_of_stack, processes_mentioning
from tests.support.pi_process import start_pi
from tests.support.waiting import wait_for
from thermostat.items import (
    READING_PREFIX,
    ReadingItem,
    from_wire,
    parse_item,
    recorded_at_from_sk,
)
from thermostat_pi.spool import Spool, SpoolStatus

pytestmark = pytest.mark.e2e


def reading(device: str, minute: int, temperature: float = 20.0) -> dict[str, Any]:
    at = datetime(2026, 11, 21, 20, minute, tzinfo=UTC)
    return {
        "device_id": device,
        "recorded_at": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "temperature_c": temperature,
        "setpoint_c": 21.0,
        "heating": True,
    }


def by_sort_key(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["sk"]["S"]: item for item in items}


def test_data_survives_ctrl_c_and_is_not_processed_again(
    start_devstack: Callable[..., Devstack],
) -> None:
    """Readings, rollups and status come back whole after a restart, and the stream function
    does not take the restored readings for new ones (the next rollup counts 4, not 3 again)."""
    first = start_devstack("--no-pi")
    endpoints = first.ready()
    for minute in range(3):
        assert post_reading(endpoints, reading("kept", minute)).json() == {"stored": 1}
    # The hour is open: its rollup lives on the status item until the hour closes.
    first.next_line("rollup   kept  hour 2026-11-21T20  3 readings")
    kept = by_sort_key(wait_for_items(endpoints, "kept", 3 + 1))
    assert first.interrupt()[0] == 0

    second = start_devstack("--no-pi", setup=first.setup)
    endpoints = second.ready()
    assert "4 items restored" in second.seen("Kept data:")
    assert by_sort_key(table_items(endpoints, "kept")) == kept
    assert post_reading(endpoints, reading("kept", 3)).json() == {"stored": 1}
    feed = second.next_line("rollup   kept  hour")
    assert "  4 readings" in feed  # the first rollup line after the restart: nothing replayed
    assert not [line for line in second.output if "reading  kept" in line and ":00:00" in line]


def test_data_survives_sigkill_and_the_children_go_with_it(
    start_devstack: Callable[..., Devstack],
) -> None:
    """SIGKILL make dev: moto_server, the functions and the Pi end too; the next start
    cleans up and brings back what was stored."""
    first = start_devstack("--interval", "0.5")
    endpoints = first.ready()
    first.next_line("reading  dev-pi", timeout=30)
    assert post_reading(endpoints, reading("killed", 0)).json() == {"stored": 1}
    journal = first.state_dir / "data" / first.stack_name / "journal.jsonl"
    wait_for(lambda: journal.exists() and "killed" in journal.read_text(), timeout=30)
    pi_config = str(first.state_dir / "pi.toml")

    first.process.send_signal(signal.SIGKILL)
    first.finish()

    wait_for(lambda: not port_is_listening(first.port), timeout=15)
    wait_for(lambda: functions_of_stack(first.stack_name) == [], timeout=15)
    wait_for(lambda: processes_mentioning(pi_config) == [], timeout=15)
    second = start_devstack("--no-pi", setup=first.setup)
    endpoints = second.ready()
    stored = [parse_item(from_wire(item)) for item in table_items(endpoints, "killed")]
    assert len([item for item in stored if isinstance(item, ReadingItem)]) == 1


def test_fresh_starts_with_an_empty_table(start_devstack: Callable[..., Devstack]) -> None:
    """`make dev DEV_ARGS=--fresh` drops what was kept."""
    first = start_devstack("--no-pi")
    endpoints = first.ready()
    assert post_reading(endpoints, reading("old", 0)).json() == {"stored": 1}
    wait_for_items(endpoints, "old", 1)
    assert first.interrupt()[0] == 0

    second = start_devstack("--no-pi", "--fresh", setup=first.setup)
    endpoints = second.ready()
    assert "started empty (--fresh)" in second.seen("Kept data:")
    assert table_items(endpoints, "old") == []


def pi_config(path: Path, endpoints_file: Path, device: str) -> Path:
    path.write_text(
        f'device_id = "{device}"\n'
        "interval_seconds = 0.3\n"
        "setpoint_c = 20.5\n"
        f'spool_path = "{path.with_name("spool.db")}"\n'
        "min_cycle_seconds = 30\n\n"
        "[endpoint]\n"
        f'endpoints_file = "{endpoints_file}"\n',
        encoding="utf-8",
    )
    return path


def test_a_pi_keeps_every_reading_across_a_stop_and_start(
    start_devstack: Callable[..., Devstack], tmp_path: Path
) -> None:
    """A real `thermostat-pi run --simulate` reading endpoints.json once: readings taken while
    make dev was down arrive after it is back on the same address, none lost, no Pi restart."""
    # The device identity make dev makes is the Pi's: it may send only its own readings.
    first = start_devstack("--no-pi", "--device-id", "across")
    endpoints = first.ready()
    config = pi_config(tmp_path / "pi.toml", first.endpoints_file, "across")
    pi = start_pi(config)
    try:
        wait_for_items(endpoints, "across", 3)
        down_from = datetime.now(UTC)
        assert first.interrupt()[0] == 0
        spool = tmp_path / "spool.db"
        wait_for(lambda: _queued(spool) >= 3, timeout=30)  # taken while make dev is down
        second = start_devstack("--no-pi", "--device-id", "across", setup=first.setup)
        endpoints = second.ready()
        down_until = datetime.now(UTC)
        wait_for(lambda: _queued(spool) == 0, timeout=60)
    finally:
        children.stop(pi, grace=30)
    status = _status(spool)
    readings = [
        i for i in table_items(endpoints, "across") if i["sk"]["S"].startswith(READING_PREFIX)
    ]
    taken_while_down = [
        r for r in readings if down_from <= recorded_at_from_sk(r["sk"]["S"]) <= down_until
    ]
    assert (status.dropped, status.dead_lettered) == (0, 0)
    assert len(readings) == status.acked
    assert len(taken_while_down) >= 3


def _status(path: Path) -> SpoolStatus:
    spool = Spool(path)
    try:
        return spool.status()
    finally:
        spool.close()


def _queued(path: Path) -> int:
    return _status(path).depth if path.exists() else 0
