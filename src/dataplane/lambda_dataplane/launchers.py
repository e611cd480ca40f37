"""How an execution environment is started: a host process, or the function's image in Docker.

Both run awslambdaric against the Runtime API address in AWS_LAMBDA_RUNTIME_API and send
stdout and stderr, merged, to one pipe that FunctionRuntime forwards line by line.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from lambda_dataplane import children
from lambda_dataplane.config import FunctionConfig
from lambda_dataplane.errors import LaunchError

# Every container we create carries our pid, so a later data plane can find the orphans.
PARENT_LABEL = "lambda-dataplane.parent-pid"
# Host variables a host-process environment keeps; everything else (notably the developer's
# own AWS_* credentials and profiles) stays out, as in a real Lambda sandbox.
_HOST_PASSTHROUGH = ("PATH", "HOME", "TMPDIR", "SYSTEMROOT", "LD_LIBRARY_PATH")


class ExecutionEnvironment:
    """A started environment: its process (merged output on .process.stdout) and how to kill it."""

    def __init__(self, process: subprocess.Popen[bytes], description: str) -> None:
        self.process = process
        self.description = description

    def kill(self) -> None:
        """Stop it now (SIGKILL, like Lambda ending a timed-out sandbox) and reap it."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.process.kill()
        self.process.wait()


class Launcher(Protocol):
    """Starts one execution environment for a function with the given environment variables."""

    def launch(self, config: FunctionConfig, env: Mapping[str, str]) -> ExecutionEnvironment: ...


class ProcessLauncher:
    """Runs `python -m awslambdaric <handler>` as a host process.

    cwd: the task root (LAMBDA_TASK_ROOT; on sys.path because of `-m`).
    pythonpath: extra import roots, e.g. the repository's src/.
    python: the interpreter, by default the one running the data plane.
    """

    def __init__(
        self,
        *,
        cwd: str | Path | None = None,
        pythonpath: Sequence[str | Path] = (),
        python: str = sys.executable,
    ) -> None:
        self.cwd = Path(cwd).resolve() if cwd is not None else Path.cwd()
        self.pythonpath = [str(Path(p).resolve()) for p in pythonpath]
        self.python = python

    def argv(self, config: FunctionConfig) -> list[str]:
        """The command line for this function."""
        return [self.python, "-m", "awslambdaric", config.handler]

    def environment(self, env: Mapping[str, str]) -> dict[str, str]:
        """The process environment: a few host basics, the Lambda variables, the import path."""
        full = {k: os.environ[k] for k in _HOST_PASSTHROUGH if k in os.environ}
        full.setdefault("LANG", "C.UTF-8")
        full["LAMBDA_TASK_ROOT"] = str(self.cwd)
        full.update(env)
        if self.pythonpath:
            full["PYTHONPATH"] = os.pathsep.join(self.pythonpath)
        return full

    def launch(self, config: FunctionConfig, env: Mapping[str, str]) -> ExecutionEnvironment:
        """Start the process in its own session so a kill takes its children too."""
        argv = self.argv(config)
        try:
            process = children.popen(
                argv,
                cwd=self.cwd,
                env=self.environment(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as err:
            raise LaunchError(f"cannot start {argv!r}: {err}") from err
        return ExecutionEnvironment(process, f"pid {process.pid}")


class _ContainerEnvironment(ExecutionEnvironment):
    def __init__(self, process: subprocess.Popen[bytes], name: str, docker: str) -> None:
        super().__init__(process, f"container {name}")
        self.name = name
        self.docker = docker

    def kill(self) -> None:
        """Remove the container (killing the CLI alone would leave it running), then reap."""
        _remove(self.docker, self.name)
        super().kill()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def _remove(docker: str, name: str) -> None:
    subprocess.run(
        [docker, "rm", "--force", name],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


class DockerLauncher:
    """Runs the function's image: `docker create --rm --network host --name <unique> -e ...
    <image> [Command]`, then `docker start --attach` (the two halves of `docker run`).

    Creating first, synchronously, means a kill can always find the container: killing a
    `docker run` client mid-create leaves a container the daemon creates after `rm -f` ran.
    The image's ENTRYPOINT is awslambdaric; the configured Command, if any, replaces its CMD.
    Variable values reach docker through its own environment (`-e NAME`), never the argv,
    so credentials do not show in `ps`. Host networking keeps the Runtime API on 127.0.0.1.
    """

    def __init__(
        self,
        *,
        docker: str = "docker",
        network: str = "host",
        extra_args: Sequence[str] = (),
        create_timeout: float = 120.0,
    ) -> None:
        self.docker = docker
        self.network = network
        self.extra_args = list(extra_args)
        self.create_timeout = create_timeout
        self._swept = False  # orphans of an earlier, killed data plane removed once

    @staticmethod
    def container_name(config: FunctionConfig) -> str:
        """A unique, docker-valid name that says which function it runs."""
        slug = re.sub(r"[^a-zA-Z0-9_.-]", "-", config.name)[:40] or "function"
        return f"lambda-{slug}-{uuid.uuid4().hex[:8]}"

    def create_argv(self, config: FunctionConfig, env: Mapping[str, str], name: str) -> list[str]:
        """The `docker create` command line for this function and environment."""
        if not config.image_uri:
            raise LaunchError(f"function {config.name} has no image URI to run with Docker")
        # --pull never: a missing image fails at once with Docker's own message, instead of
        # a restart loop that asks a registry each time.
        argv = [self.docker, "create", "--rm", "--pull", "never", "--network", self.network]
        argv += ["--name", name, "--label", f"{PARENT_LABEL}={os.getpid()}"]
        for key in sorted(env):
            argv += ["-e", key]
        return [*argv, *self.extra_args, config.image_uri, *config.command]

    def remove_orphans(self) -> list[str]:
        """Remove containers a data plane started and did not live to remove (its pid, in
        their label, is gone: it was SIGKILLed before its CLI could pass a SIGTERM on)."""
        template = f'{{{{.Names}}}} {{{{.Label "{PARENT_LABEL}"}}}}'
        listed = subprocess.run(
            [self.docker, "ps", "-a", "--filter", f"label={PARENT_LABEL}", "--format", template],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        orphans = []
        for line in listed.stdout.splitlines():
            name, _, pid = line.partition(" ")
            if pid.isdigit() and not _alive(int(pid)):
                _remove(self.docker, name)
                orphans.append(name)
        return orphans

    def launch(self, config: FunctionConfig, env: Mapping[str, str]) -> ExecutionEnvironment:
        """Create the container, then run it attached to a docker CLI process."""
        if not self._swept:
            self._swept = True
            # No docker at all: the create below says so.
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                self.remove_orphans()
        name = self.container_name(config)
        argv = self.create_argv(config, env, name)
        try:
            created = subprocess.run(
                argv,
                env={**os.environ, **env},
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=self.create_timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            raise LaunchError(f"cannot create a container for {config.name}: {err}") from err
        if created.returncode != 0:
            detail = created.stderr.decode("utf-8", "replace").strip()
            raise LaunchError(f"docker create for {config.name} failed: {detail}")
        start = [self.docker, "start", "--attach", name]
        try:
            # SIGTERM if we die: the attached CLI forwards it to the container (--sig-proxy),
            # whose runtime exits and --rm removes it. SIGKILL could not be forwarded.
            process = children.popen(
                start,
                death_signal=signal.SIGTERM,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as err:
            _remove(self.docker, name)
            raise LaunchError(f"cannot start {start!r}: {err}") from err
        return _ContainerEnvironment(process, name, self.docker)
