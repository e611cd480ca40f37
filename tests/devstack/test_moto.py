"""moto_server as a child process: starts on loopback, refuses a taken port, stops clean."""

from __future__ import annotations

import socket

import pytest

from devstack.errors import StartupError
from devstack.moto import LOOPBACK, MotoServer, port_is_listening


def test_server_answers_and_stop_frees_the_port() -> None:
    """After stop() nothing listens on the port any more."""
    server = MotoServer().start()
    try:
        assert port_is_listening(server.port)
    finally:
        server.stop()
    assert not port_is_listening(server.port)


def test_taken_port_is_a_startup_error() -> None:
    """A port something else listens on is reported, not silently shared."""
    with socket.socket() as busy:
        busy.bind((LOOPBACK, 0))
        busy.listen()
        with pytest.raises(StartupError, match="already in use"):
            MotoServer(busy.getsockname()[1]).start()
