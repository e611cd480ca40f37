"""moto_server as a child process on 127.0.0.1, the AWS stand-in of ``make dev`` and tests."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from devstack.errors import StartupError
from lambda_dataplane import children

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """An ephemeral port that was free a moment ago (moto_server cannot report port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def port_is_listening(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """Whether a server could listen on host:port now (nothing bound to it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


class MotoServer:
    """Start with :meth:`start` (or ``with``); :meth:`stop` leaves nothing listening."""

    def __init__(self, port: int = 0, *, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def exit_code(self) -> int | None:
        """None while it runs (or was never started), else how it ended."""
        return self._process.poll() if self._process is not None else None

    def start(self, timeout: float = 20.0) -> MotoServer:
        if port_is_listening(self.port):
            raise StartupError(f"port {self.port} is already in use on {LOOPBACK}")
        argv = [sys.executable, "-m", "devstack.moto_server", "-H", LOOPBACK, "-p", str(self.port)]
        log = self._log_path.open("ab") if self._log_path else None
        try:
            # Its own session: a Ctrl-C in the terminal reaches only the parent, which stops
            # the pollers first and this server last (else they would log connection errors).
            # children.popen: it dies with us, even if we are SIGKILLed.
            self._process = children.popen(
                argv,
                death_signal=signal.SIGTERM,
                stdout=log or subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            if log is not None:
                log.close()  # the child has its own copy
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise StartupError(f"moto_server exited with {self._process.returncode}")
            if self._answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise StartupError(f"moto_server did not answer on {self.endpoint_url} in {timeout}s")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1):  # noqa: S310
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer means it is serving
        except OSError:
            return False

    def stop(self, timeout: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is not None:
            children.stop(process, grace=timeout)

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
