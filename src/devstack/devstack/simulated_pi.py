"""The Pi of ``make dev``: the real ``thermostat-pi run --simulate`` (the Pi's own control loop
in a simulated house), configured for the local stack."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

from devstack.errors import StartupError
from lambda_dataplane import children
from thermostat.endpoints import Endpoints


def pi_command() -> str:
    """The ``thermostat-pi`` next to this interpreter, or on PATH."""
    beside = Path(sys.executable).with_name("thermostat-pi")
    found = str(beside) if beside.exists() else shutil.which("thermostat-pi")
    if found is None:
        raise StartupError("thermostat-pi is not installed (make venv installs it)")
    return found


SPOOL_NAME = "pi-spool.db"


def forget_pi_state(state_dir: Path) -> list[Path]:
    """Delete the simulated Pi's spool (and its SQLite side files) and its kept settings.

    ``--fresh`` starts the whole stack empty: a spool kept from the last run would upload old
    readings again and kept settings would override the table's (now empty) settings.
    """
    spool = state_dir / SPOOL_NAME
    kept = [spool, *spool.parent.glob(SPOOL_NAME + "-*"), spool.with_suffix(".settings.json")]
    removed = [path for path in kept if path.exists()]
    for path in removed:
        path.unlink()
    return removed


def write_pi_config(path: Path, endpoints: Endpoints, *, device_id: str, interval: float) -> None:
    # Relative paths in the config are resolved against its own folder: the spool sits beside it.
    spool = SPOOL_NAME
    key = endpoints.device_access_key_id or endpoints.access_key_id
    secret = endpoints.device_secret_access_key or endpoints.secret_access_key
    path.write_text(
        f'device_id = "{device_id}"\n'
        f"interval_seconds = {interval}\n"
        "setpoint_c = 20.5\n"
        f'spool_path = "{spool}"\n'
        "min_cycle_seconds = 30\n\n"
        "[endpoint]\n"
        f'url = "{endpoints.ingest_url}"\n'
        f'auth = "{endpoints.auth_type}"\n'
        f'region = "{endpoints.region}"\n'
        # The device's own IAM user (the stack's device policy), as a real Pi would sign.
        f'access_key_id = "{key}"\n'
        f'secret_access_key = "{secret}"\n',
        encoding="utf-8",
    )


def start_pi_process(config: Path, log_path: Path) -> subprocess.Popen[bytes]:
    command = pi_command()
    with log_path.open("ab") as log:
        # SIGTERM if make dev dies: the Pi stops its loop and closes its spool cleanly.
        return children.popen(
            [command, "--config", str(config), "run", "--simulate"],
            death_signal=signal.SIGTERM,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # stopped by us, in order, not by the terminal's Ctrl-C
        )
