"""Children die with their parent, even a SIGKILLed one whose spawning thread ended long ago."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from devstack.leftovers import command_line, end_leftovers
from lambda_dataplane import children
from tests.support.waiting import wait_for

PARENT = textwrap.dedent(
    """
    import subprocess, sys, threading, time
    from lambda_dataplane import children

    started = []
    sleep = [sys.executable, "-c", "import time; time.sleep(60)"]
    # A short-lived thread starts the child, as a function restart from an invoke would.
    thread = threading.Thread(target=lambda: started.append(children.popen(sleep)))
    thread.start()
    thread.join()
    print(started[0].pid, flush=True)
    time.sleep(60)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_child_outlives_its_spawning_thread_and_dies_with_its_parent() -> None:
    """A child started from a thread that ended is still running; SIGKILL of the parent
    ends it too."""
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    try:
        assert command_line(child) is not None
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        wait_for(lambda: command_line(child) is None, timeout=10)
    finally:
        if command_line(child) is not None:
            os.kill(child, signal.SIGKILL)


def test_end_leftovers_stops_only_processes_still_running_the_recorded_command(
    tmp_path: Path,
) -> None:
    """A recorded child whose pid now runs something else is left alone."""
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        # Until the child has exec'd, /proc shows the parent's command line (seen under load).
        wait_for(lambda: "time.sleep" in (command_line(sleeper.pid) or ""), timeout=10)
        ended = end_leftovers(
            {
                "children": [
                    {"pid": sleeper.pid, "marker": "not-this-command"},
                    {"pid": os.getpid(), "marker": "no-such-marker-here"},
                ]
            }
        )
        assert ended == []
        assert sleeper.poll() is None
        ended = end_leftovers({"children": [{"pid": sleeper.pid, "marker": "time.sleep"}]})
        assert ended == [sleeper.pid]
        assert sleeper.wait(10) == -signal.SIGTERM
    finally:
        if sleeper.poll() is None:
            sleeper.kill()


def _python(code: str) -> subprocess.Popen[bytes]:
    """A Python child that prints "ready" once its signal handlers are in place."""
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert child.stdout is not None and child.stdout.readline() == b"ready\n"
    return child


def test_stop_sends_the_signal_asked_for_and_returns_the_exit_status() -> None:
    """A child with a clean Ctrl-C path stopped with SIGINT exits as it chose to."""
    child = _python(
        "import sys, time\n"
        "try:\n    print('ready', flush=True)\n    time.sleep(60)\n"
        "except KeyboardInterrupt:\n    sys.exit(3)\n"
    )
    assert children.stop(child, sig=signal.SIGINT) == 3


def test_stop_kills_a_child_that_ignores_the_signal_past_the_grace() -> None:
    """A child ignoring SIGTERM is SIGKILLed once the grace is over, and reaped."""
    child = _python(
        "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('ready', flush=True)\ntime.sleep(60)\n"
    )
    assert children.stop(child, grace=0.2) == -signal.SIGKILL


def test_stop_only_reaps_a_child_that_has_ended() -> None:
    """A child that already exited is not signalled; its status is returned."""
    child = subprocess.Popen([sys.executable, "-c", "raise SystemExit(4)"])
    child.wait(30)
    assert children.stop(child) == 4
