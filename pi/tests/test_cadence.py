"""The upload cadence: readings wait for a second one or a bound, a backlog goes at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_fake import IngestServer
from pi_fakes import make_readings

from thermostat_pi.cadence import SEND_AT_ONCE, UploadCadence
from thermostat_pi.spool import Spool
from thermostat_pi.uploader import Uploader


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def held(spool: Spool, url: str, clock: Clock, **kwargs: object) -> Uploader:
    options: dict[str, object] = {"cadence": UploadCadence(2, 90.0), "batch_size": 100}
    options.update(kwargs)
    return Uploader(spool=spool, url=url, monotonic=clock, sleep=lambda _: None, **options)  # type: ignore[arg-type]


def sizes(ingest: IngestServer) -> list[int]:
    return [len(request["body"]["readings"]) for request in ingest.requests]


def test_an_empty_queue_is_never_due() -> None:
    """Nothing queued: no deadline at all (the uploader waits for a reading)."""
    assert UploadCadence(2, 90).due_in(0, 1e6) is None


def test_enough_queued_readings_are_due_at_once() -> None:
    """As many readings as ``after_readings`` are due now, however new."""
    assert UploadCadence(2, 90).due_in(2, 0.0) == 0.0
    assert UploadCadence(3, 90).due_in(2, 0.0) == 90.0


def test_a_lone_reading_is_due_when_the_bound_passes() -> None:
    """One reading waits the rest of the bound, and is due once it has passed."""
    cadence = UploadCadence(2, 90)
    assert [cadence.due_in(1, waited) for waited in (0, 30, 90, 500)] == [90, 60, 0, 0]


def test_send_at_once_sends_every_reading_as_it_comes() -> None:
    """The uploader's default: one reading is due at once (the previous behaviour)."""
    assert SEND_AT_ONCE.due_in(1, 0.0) == 0.0


@pytest.mark.parametrize(("after", "delay"), [(0, 90.0), (2, -1.0)])
def test_a_cadence_that_could_never_send_is_refused(after: int, delay: float) -> None:
    """after_readings below 1 or a negative bound is a ValueError."""
    with pytest.raises(ValueError, match=r"after_readings|max_delay_s"):
        UploadCadence(after, delay)


def test_a_reading_is_uploaded_no_later_than_the_configured_delay(
    tmp_path: Path, ingest: IngestServer
) -> None:
    """A lone reading is held (still in the spool) until 90 s have passed, then sent."""
    spool, clock = Spool(tmp_path / "spool.db"), Clock()
    uploader = held(spool, ingest.url, clock)
    spool.append(make_readings(1)[0])
    assert uploader.send_if_due() == 90.0
    clock.now += 89.0
    assert uploader.send_if_due() == pytest.approx(1.0)
    assert (ingest.requests, spool.status().depth) == ([], 1)
    clock.now += 1.0
    assert uploader.send_if_due() is None
    assert (sizes(ingest), spool.status().depth) == ([1], 0)


def test_the_second_reading_sends_both_in_one_request(tmp_path: Path, ingest: IngestServer) -> None:
    """At one reading a minute, the second reading's arrival sends the pair at once."""
    spool, clock = Spool(tmp_path / "spool.db"), Clock()
    uploader = held(spool, ingest.url, clock)
    first, second = make_readings(2)
    spool.append(first)
    uploader.send_if_due()
    clock.now += 60.0
    spool.append(second)
    assert uploader.send_if_due() is None
    assert sizes(ingest) == [2]
    assert ingest.stored == [first.to_wire(), second.to_wire()]


def test_a_backlog_drains_at_once_in_full_batches(tmp_path: Path, ingest: IngestServer) -> None:
    """250 readings queued (after an outage) go now, as 100 + 100 + 50."""
    spool, clock = Spool(tmp_path / "spool.db"), Clock()
    for reading in make_readings(250):
        spool.append(reading)
    assert held(spool, ingest.url, clock).send_if_due() is None
    assert sizes(ingest) == [100, 100, 50]
    assert spool.status().depth == 0


def test_a_held_reading_survives_a_restart_and_is_sent_after(
    tmp_path: Path, ingest: IngestServer
) -> None:
    """Waiting is in the spool on disk: a restart loses nothing and the bound starts again."""
    path, clock = tmp_path / "spool.db", Clock()
    spool = Spool(path)
    reading = make_readings(1)[0]
    spool.append(reading)
    held(spool, ingest.url, clock).send_if_due()
    spool.close()
    reopened = Spool(path)
    restarted = held(reopened, ingest.url, clock)
    assert restarted.send_if_due() == 90.0
    clock.now += 90.0
    restarted.send_if_due()
    assert ingest.stored == [reading.to_wire()]
    assert reopened.status().depth == 0
