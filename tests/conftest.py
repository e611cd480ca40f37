"""Fixtures shared by the core tests: one moto_server per session, reset per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.support.moto import MotoServer, running_moto_server
from tests.support.stack import deploy


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    with running_moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        yield server


@pytest.fixture
def aws(moto: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoServer]:
    """A clean emulator, and this process's AWS settings pointing at it."""
    moto.reset()
    for name, value in moto.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield moto


@pytest.fixture
def stack(aws: MotoServer) -> dict[str, str]:
    """The real template deployed in local-data-plane mode; its outputs."""
    return deploy(boto3.client("cloudformation"))


def client(name: str) -> Any:
    return boto3.client(name)  # type: ignore[call-overload]
