"""Child processes that die with their parent, even when the parent is SIGKILLed.

On Linux each child asks the kernel for a signal when its parent goes away
(prctl(PR_SET_PDEATHSIG), https://man7.org/linux/man-pages/man2/prctl.2.html). The kernel
sends it when the *thread* that forked the child ends, not the process, so every child is
forked from one long-lived spawner thread here: the FunctionRuntime that restarts an
environment does it from whatever thread was invoking, and that thread may end a moment
later. Elsewhere (macOS) children are started plainly and only an orderly stop ends them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_PR_SET_PDEATHSIG = 1
# One worker, created on first use, alive as long as the process: the forking thread.
_spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="child-spawner")


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    prctl: Callable[..., int] = libc.prctl
    return prctl


_prctl = _load_prctl()


def _die_with(parent: int, death_signal: int) -> Callable[[], None] | None:
    """A preexec_fn: set the parent-death signal, and if the parent is already gone (it died
    between fork and prctl) deliver it now. Kept to one C call and two syscalls: it runs in
    the forked child of a threaded process, where little else is safe."""
    prctl = _prctl
    if prctl is None:
        return None

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, death_signal, 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), death_signal)

    return preexec


def popen(
    argv: list[str], *, death_signal: int = signal.SIGKILL, **options: Any
) -> subprocess.Popen[bytes]:
    """subprocess.Popen(argv, **options) whose process gets `death_signal` when this process
    ends in any way. SIGKILL for function runtimes (a sandbox has nothing to save); SIGTERM
    for processes with an orderly shutdown worth having (a docker CLI forwards it to its
    container, the Pi flushes its spool)."""
    preexec = _die_with(os.getpid(), death_signal)

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(argv, preexec_fn=preexec, **options)

    return _spawner.submit(start).result()


def stop(process: subprocess.Popen[Any], *, sig: int = signal.SIGTERM, grace: float = 10.0) -> int:
    """End a child in order: `sig` (SIGTERM, or SIGINT for a program that treats Ctrl-C as
    its clean stop), up to `grace` seconds to finish, then SIGKILL. Reaps it; its exit
    status. A child that has already ended is only reaped."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            return process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()
