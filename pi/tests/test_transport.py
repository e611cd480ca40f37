"""Every request ends: an overall deadline and a reply size cap, against real hostile servers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_servers import (
    HostileServer,
    endless_body_server,
    slow_body_server,
    trickle_server,
)
from ingest_fake import IngestServer, Reply
from pi_fakes import make_readings

from thermostat_pi.errors import TransportError
from thermostat_pi.spool import Spool
from thermostat_pi.transport import MAX_REPLY_BYTES, BoundedSession
from thermostat_pi.uploader import Uploader

BODY = b'{"readings": []}'


@pytest.fixture
def hostile() -> Iterator[list[HostileServer]]:
    servers: list[HostileServer] = []
    yield servers
    for server in servers:
        server.close()


def test_a_trickling_server_is_left_at_the_deadline(hostile: list[HostileServer]) -> None:
    """A byte every 50 ms never trips the 2 s read timeout; the 1 s deadline ends the request."""
    server = trickle_server(gap_s=0.05)
    hostile.append(server)
    session = BoundedSession(deadline_s=1.0, read_timeout_s=2.0)
    with pytest.raises(TransportError, match=r"no whole answer within 1 s"):
        session.post_json(server.url, BODY, None)
    assert server.client_left.wait(10)
    assert server.sent > 0  # it was answering, just never finishing


def test_a_body_that_trickles_is_left_at_the_deadline(hostile: list[HostileServer]) -> None:
    """Prompt headers, then a body one byte at a time: the deadline covers the body too."""
    server = slow_body_server(gap_s=0.05)
    hostile.append(server)
    with pytest.raises(TransportError, match="no whole answer"):
        BoundedSession(deadline_s=1.0, read_timeout_s=2.0).post_json(server.url, BODY, None)
    assert server.client_left.wait(10)


def test_an_endless_body_is_cut_at_the_size_limit(hostile: list[HostileServer]) -> None:
    """A chunked reply without end is read only up to the cap, then the connection is closed."""
    server = endless_body_server()
    hostile.append(server)
    with pytest.raises(TransportError, match="larger than the 1,048,576 bytes"):
        BoundedSession(deadline_s=30.0).post_json(server.url, BODY, None)
    assert server.client_left.wait(10)
    # The cap plus what the kernel's socket buffers held: nowhere near the 128 MB cgroup.
    assert server.sent < MAX_REPLY_BYTES + 32 * 1024 * 1024


def test_a_declared_huge_body_is_refused_unread(hostile: list[HostileServer]) -> None:
    """Content-Length over the cap: refused before any of the body is read."""
    server = endless_body_server(content_length=200 * 1024 * 1024)
    hostile.append(server)
    with pytest.raises(TransportError, match="209,715,200 bytes"):
        BoundedSession().post_json(server.url, BODY, None)


def test_the_session_works_again_after_a_deadline(
    hostile: list[HostileServer], ingest: IngestServer
) -> None:
    """After a request was cut, the next one (to a working server) succeeds."""
    server = trickle_server()
    hostile.append(server)
    session = BoundedSession(deadline_s=0.5)
    with pytest.raises(TransportError):
        session.post_json(server.url, BODY, None)
    reply = session.post_json(ingest.url, b'{"readings": [' + _reading() + b"]}", None)
    assert (reply.status, reply.body) == (200, b'{"stored":1}')


def test_a_deadline_on_a_reused_connection_is_kept(ingest: IngestServer) -> None:
    """Keep-alive: a second request on the same connection is bounded too."""
    session = BoundedSession(deadline_s=0.5)
    assert session.post_json(ingest.url, b'{"readings": [' + _reading() + b"]}", None).status == 200
    ingest.script.append(Reply(200, {"stored": 1}, delay_s=3.0))
    with pytest.raises(TransportError, match="no whole answer"):
        session.post_json(ingest.url, b'{"readings": [' + _reading() + b"]}", None)


def test_the_uploader_keeps_readings_queued_when_a_reply_never_ends(
    tmp_path: Path, hostile: list[HostileServer]
) -> None:
    """Against a trickling endpoint the uploader backs off with the deadline as the reason."""
    server = trickle_server()
    hostile.append(server)
    spool = Spool(tmp_path / "spool.db")
    for reading in make_readings(3):
        spool.append(reading)
    delays: list[float] = []
    sender = Uploader(spool=spool, url=server.url, deadline_s=0.5, sleep=delays.append)
    assert not sender.drain(max_failures=1)
    assert spool.status().depth == 3
    assert "no whole answer within 0.5 s" in (spool.status().last_error or "")


def _reading() -> bytes:
    return json.dumps(make_readings(1)[0].to_wire()).encode()
