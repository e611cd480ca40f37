"""Settings from the ingest reply drive the control loop: setpoint, modes, schedule, report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from gpiozero import OutputDevice
from gpiozero.pins.mock import MockFactory
from ingest_fake import IngestServer, Reply
from pi_fakes import FakeClock, ScriptedSensor, make_readings, make_thermostat, pin_high

from thermostat.contract import SETPOINT_MIN_C
from thermostat.items import DeviceReport
from thermostat_pi.control import Thermostat
from thermostat_pi.outbox import Outbox
from thermostat_pi.remote_settings import SOFTWARE, RemoteSettings
from thermostat_pi.service import tick, utc_now
from thermostat_pi.simulation import VirtualClock
from thermostat_pi.uploader import Uploader

DEVICE = "pi-1"
CONFIG_SETPOINT_C = 18.0


def thermostat(
    relay: OutputDevice, sensor: ScriptedSensor, clock: Callable[[], float]
) -> Thermostat:
    return make_thermostat(relay, sensor, clock, setpoint_c=CONFIG_SETPOINT_C)


class Pi:
    """The service's parts as `thermostat-pi run` wires them, stepped by the test."""

    def __init__(self, tmp_path: Path, relay: OutputDevice, celsius: float, url: str) -> None:
        self.sensor = ScriptedSensor(celsius)
        self.thermostat = thermostat(relay, self.sensor, FakeClock())
        self.outbox = Outbox(tmp_path / "spool.db")
        self.settings = RemoteSettings(
            tmp_path / "spool.settings.json", default_setpoint_c=CONFIG_SETPOINT_C
        )
        self.uploader = Uploader(
            spool=self.outbox, url=url, device=self.settings, sleep=lambda _: None
        )

    def tick(self) -> tuple[float, bool]:
        """One control decision: (setpoint recorded, heating)."""
        reading = tick(
            thermostat=self.thermostat,
            outbox=self.outbox,
            device_id=DEVICE,
            now=utc_now,
            settings=self.settings,
        )
        assert reading is not None
        return reading.setpoint_c, reading.heating


def test_settings_in_a_reply_change_the_next_relay_decision(
    tmp_path: Path, relay: OutputDevice, mock_pins: MockFactory, ingest: IngestServer
) -> None:
    """19 C under the config's 18 C: no heat. `thermostat set --setpoint 22` rides the reply
    to the next upload, and the next decision heats to 22 C."""
    pi = Pi(tmp_path, relay, 19.0, ingest.url)
    assert pi.tick() == (18.0, False)
    ingest.desire(DEVICE, setpoint_c=22.0)
    assert pi.uploader.drain()
    assert pi.tick() == (22.0, True)
    assert pin_high(mock_pins)
    assert pi.uploader.drain()
    assert [(r["setpoint_c"], r["heating"]) for r in ingest.stored] == [(18.0, False), (22.0, True)]


@pytest.mark.parametrize(
    ("fields", "celsius", "decided"),
    [
        ({"mode": "off", "setpoint_c": 22.0}, 15.0, (SETPOINT_MIN_C, False)),
        ({"mode": "away", "away_setpoint_c": 16.0, "setpoint_c": 22.0}, 15.0, (16.0, True)),
        ({"mode": "away", "away_setpoint_c": 16.0, "setpoint_c": 22.0}, 17.0, (16.0, False)),
    ],
    ids=["off-while-cold", "away-below-frost-setpoint", "away-above-frost-setpoint"],
)
def test_modes_off_and_away_decide_the_relay(
    tmp_path: Path,
    relay: OutputDevice,
    mock_pins: MockFactory,
    ingest: IngestServer,
    fields: dict[str, object],
    celsius: float,
    decided: tuple[float, bool],
) -> None:
    """Heating under the config's setpoint; then off keeps the relay off however cold (the
    reading records the lowest setpoint), away heats to the frost-protection setpoint."""
    pi = Pi(tmp_path, relay, celsius, ingest.url)
    assert pi.tick() == (18.0, True)
    ingest.desire(DEVICE, **fields)
    assert pi.uploader.drain()
    assert pi.tick() == decided
    assert pin_high(mock_pins) is decided[1]


def test_every_batch_carries_the_device_report_of_the_settings_in_force(
    tmp_path: Path, relay: OutputDevice, ingest: IngestServer
) -> None:
    """250 readings in batches of 100: the first batch reports version 0 and gets version 1;
    the later ones report version 1. The ingest function stored each report."""
    pi = Pi(tmp_path, relay, 19.0, ingest.url)
    pi.uploader.batch_limit = 100
    for reading in make_readings(250, device_id=DEVICE):
        pi.outbox.append(reading)
    ingest.desire(DEVICE, setpoint_c=21.0)
    assert pi.uploader.drain()
    assert [len(r["body"]["readings"]) for r in ingest.requests] == [100, 100, 50]
    assert [r["body"]["device"] for r in ingest.requests] == [
        {"settings_version": 0, "software": SOFTWARE},
        {"settings_version": 1, "software": SOFTWARE},
        {"settings_version": 1, "software": SOFTWARE},
    ]
    assert (
        ingest.reports
        == [DeviceReport(0, None, SOFTWARE)] * 100 + [DeviceReport(1, None, SOFTWARE)] * 150
    )


def test_refused_settings_are_reported_with_the_next_batch(
    tmp_path: Path, relay: OutputDevice, ingest: IngestServer
) -> None:
    """A reply with settings this software cannot apply (a newer server's field): kept out,
    and the next batch tells the server which version and why."""
    pi = Pi(tmp_path, relay, 19.0, ingest.url)
    pi.uploader.batch_limit = 1
    for reading in make_readings(2, device_id=DEVICE):
        pi.outbox.append(reading)
    newer = {"version": 2, "setpoint_c": 25.0, "mode": "heat", "boost_minutes": 30}
    ingest.script.append(Reply(200, {"stored": 1, "settings": newer}))
    assert pi.uploader.drain()
    [report] = ingest.reports  # the second request: the first one was the scripted reply
    assert report is not None and report.settings_version == 0
    assert report.settings_error == (
        "version 2 refused: boost_minutes: unknown field (this software does not know it)"
    )
    assert pi.tick()[0] == CONFIG_SETPOINT_C


class BrokenSettings(RemoteSettings):
    """Settings whose every answer fails, as a bug in them would."""

    def target_c(self, now: datetime) -> float | None:
        raise RuntimeError("bug in the schedule")


def test_a_failure_in_the_settings_keeps_the_last_setpoint_and_the_heating_going(
    tmp_path: Path, relay: OutputDevice, mock_pins: MockFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """The control loop goes on with the setpoint it had; the failure is logged."""
    pi = Pi(tmp_path, relay, 15.0, "http://127.0.0.1:9/")
    assert pi.tick() == (18.0, True)
    pi.settings = BrokenSettings(tmp_path / "other.json", default_setpoint_c=25.0)
    assert pi.tick() == (18.0, True)
    assert pin_high(mock_pins)
    assert "setpoint not updated; keeping 18.0" in caplog.text


# Europe/Berlin, schedule "mon-sun 06:30=21 22:00=16": the UTC moments it switches at.
SPRING_2024 = [  # CET (+01) until Sunday 31 March 02:00, CEST (+02) after
    ("2024-03-30T21:00:00Z", 16.0),
    ("2024-03-31T04:30:00Z", 21.0),
    ("2024-03-31T20:00:00Z", 16.0),
    ("2024-04-01T04:30:00Z", 21.0),
]
AUTUMN_2024 = [  # CEST (+02) until Sunday 27 October 03:00, CET (+01) after
    ("2024-10-26T20:00:00Z", 16.0),
    ("2024-10-27T05:30:00Z", 21.0),
    ("2024-10-27T21:00:00Z", 16.0),
    ("2024-10-28T05:30:00Z", 21.0),
]


@pytest.mark.parametrize(
    ("start", "switches"),
    [("2024-03-30T11:00:00Z", SPRING_2024), ("2024-10-26T10:00:00Z", AUTUMN_2024)],
    ids=["spring-forward", "fall-back"],
)
def test_a_schedule_switches_at_local_time_across_a_dst_change_offline(
    tmp_path: Path,
    relay: OutputDevice,
    start: str,
    switches: list[tuple[str, float]],
) -> None:
    """Two days on a virtual clock, a decision every 10 minutes, no network: the setpoint
    and the relay switch at 06:30 and 22:00 Berlin time on both sides of the change."""
    began = datetime.fromisoformat(start)
    clock = VirtualClock(began)
    path = tmp_path / "settings.json"
    RemoteSettings(path, default_setpoint_c=CONFIG_SETPOINT_C).offer(
        {"version": 4, "schedule": "mon-sun 06:30=21 22:00=16", "timezone": "Europe/Berlin"}
    )
    settings = RemoteSettings(path, default_setpoint_c=CONFIG_SETPOINT_C)  # after a reboot
    control = thermostat(relay, ScriptedSensor(18.0), clock.monotonic)
    outbox = Outbox(tmp_path / "spool.db")
    seen: list[tuple[str, float]] = []
    while clock.now() < began + timedelta(days=2):
        reading = tick(
            thermostat=control, outbox=outbox, device_id=DEVICE, now=clock.now, settings=settings
        )
        assert reading is not None
        assert reading.heating is (reading.setpoint_c == 21.0)  # 18 C in the room
        if not seen or seen[-1][1] != reading.setpoint_c:
            seen.append((reading.timestamp.replace(".000Z", "Z"), reading.setpoint_c))
        clock.advance(600)
    assert seen == [(start, 21.0), *switches]
