"""``thermostat device add|list|rotate-key|remove``: one IAM identity per thermostat."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath

from thermostat.items import StatusItem
from thermostat_cli import formats
from thermostat_cli.context import Context
from thermostat_cli.devices import DeviceKeys, Devices
from thermostat_cli.errors import CliError
from thermostat_cli.timerange import format_duration

KEYS_FILE = PurePosixPath("/etc/thermostat-pi/keys.toml")  # where it goes on the Pi


class KeyNotUsedYet(CliError, TimeoutError):
    """The device has not signed with its new key within the time given."""


def _devices(ctx: Context) -> Devices:
    policy = ctx.outputs().get("PiDevicePolicyArn")
    return Devices(ctx.client("iam"), ctx.stack, policy_arn=policy)


NO_URL = "https://<the ingest Function URL>/"


def _ingest_url(ctx: Context) -> str:
    """The stack's Function URL: AWS's output, or the local stack's (make dev, make up)."""
    local = ctx.connection.ingest_url if ctx.connection else None
    url = local or ctx.outputs().get("IngestFunctionUrl")
    if not url:
        ctx.note(
            f"stack {ctx.stack!r} has no IngestFunctionUrl output (a local data plane serves it):"
            " fill in [endpoint] url"
        )
        return NO_URL
    return url


def pi_config(ctx: Context, keys: DeviceKeys) -> str:
    """The Pi's /etc/thermostat-pi/config.toml: everything but the keys."""
    region = ctx.client("sts").meta.region_name
    auth = ctx.outputs().get("FunctionUrlAuthType", "AWS_IAM")
    return (
        f"# thermostat-pi configuration of device {keys.device_id!r} (stack {ctx.stack!r}).\n"
        "# The rest of the keys (interval, setpoint, relay pin...): pi/config.example.toml.\n"
        f'device_id = "{keys.device_id}"\n\n'
        "[endpoint]\n"
        f'url = "{_ingest_url(ctx)}"\n'
        f'auth = "{auth}"\n'
        f'region = "{region}"\n'
        # Relative: beside this file, so the pair works in /etc/thermostat-pi/ or anywhere.
        f'keys_file = "{KEYS_FILE.name}"\n'
    )


def keys_file(keys: DeviceKeys) -> str:
    """The Pi's keys file (mode 0600/0640: the service refuses a file others can read)."""
    return (
        f"# Keys of device {keys.device_id!r} ({keys.user_arn}). Keep only on that Pi.\n"
        f'access_key_id = "{keys.access_key_id}"\n'
        f'secret_access_key = "{keys.secret_access_key}"\n'
    )


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        os.fchmod(fd, 0o600)
        out.write(text)


def _emit_keys(ctx: Context, keys: DeviceKeys, output: Path | None) -> None:
    """A new key: into ``output``/keys.toml (0600), else on stdout."""
    if output is None:
        ctx.out.write(keys_file(keys))
        return
    output.mkdir(parents=True, exist_ok=True)
    _write_private(output / "keys.toml", keys_file(keys))
    ctx.note(f"wrote {output}/keys.toml (mode 0600): copy it to {KEYS_FILE} on the Pi")


def run_add(args: argparse.Namespace, ctx: Context) -> int:
    keys = _devices(ctx).add(args.name)
    config, secret = pi_config(ctx, keys), keys_file(keys)
    if args.output:
        args.output.mkdir(parents=True, exist_ok=True)
        _write_private(args.output / "config.toml", config)
        _write_private(args.output / "keys.toml", secret)
        ctx.note(
            f"device {keys.device_id!r} added ({keys.user_arn}); wrote {args.output}/config.toml"
            f" and {args.output}/keys.toml (mode 0600): copy them to /etc/thermostat-pi/"
        )
        return 0
    ctx.out.write(f"# --- /etc/thermostat-pi/config.toml ---\n{config}\n")
    ctx.out.write(f"# --- {KEYS_FILE} (chmod 600) ---\n{secret}")
    ctx.note(f"device {keys.device_id!r} added ({keys.user_arn})")
    return 0


def run_list(args: argparse.Namespace, ctx: Context) -> int:
    devices = _devices(ctx).list()
    statuses = {s.device_id: s for s in ctx.table.statuses()}
    now = datetime.now(UTC)
    rows: list[dict[str, str | int]] = []
    for device in devices:
        status = statuses.get(device.device_id)
        active = [k for k in device.keys if k.status == "Active"]
        newest = max((k.created for k in active), default=None)
        rows.append(
            {
                "device_id": device.device_id,
                "created": device.created.astimezone(UTC).strftime("%Y-%m-%d"),
                "keys": len(active),
                "key_age": format_duration(now - newest) if newest else "-",
                "last_seen": (
                    format_duration(now - status.last_seen_at) + " ago" if status else "never"
                ),
                "software": (status.report.software if status and status.report else None) or "-",
                "user_arn": device.user_arn,
            }
        )
    if not rows:
        ctx.note(f"no devices in stack {ctx.stack!r}: add one with `thermostat device add NAME`")
        return 0
    width = max(len(str(r["device_id"])) for r in rows)
    formats.write_rows(rows, formats.device_columns(width), args.format, ctx.out)
    return 0


def _wait_for_key(ctx: Context, name: str, key: str, timeout: timedelta) -> StatusItem:
    deadline = time.monotonic() + timeout.total_seconds()
    while True:
        status = ctx.table.status(name)
        if status is not None and status.caller_key == key:
            return status
        if time.monotonic() > deadline:
            raise KeyNotUsedYet(
                f"device {name!r} has not sent a reading signed with {key} within"
                f" {format_duration(timeout)}: put the new keys on it, then run"
                f" `thermostat device rotate-key {name} --finish`"
            )
        time.sleep(2)


def run_rotate(args: argparse.Namespace, ctx: Context) -> int:
    devices = _devices(ctx)
    if args.finish:
        return _finish(ctx, devices, args.name)
    old = [k for k in devices.get(args.name).keys if k.status == "Active"]
    keys = devices.new_key(args.name)
    _emit_keys(ctx, keys, args.output)
    if args.now:
        for key in old:
            devices.delete_key(args.name, key.access_key_id)
        ctx.note(f"new key {keys.access_key_id}; the old ones are deleted: the Pi needs it now")
        return 0
    ctx.note(
        f"new key {keys.access_key_id} (the old one still works): put it in {KEYS_FILE} on the"
        f" Pi; waiting up to {format_duration(args.timeout)} for a reading signed with it..."
    )
    _wait_for_key(ctx, args.name, keys.access_key_id, args.timeout)
    for key in old:
        devices.deactivate_key(args.name, key.access_key_id)
    ctx.note(f"the Pi uses the new key; deactivated {', '.join(k.access_key_id for k in old)}")
    return 0


def _finish(ctx: Context, devices: Devices, name: str) -> int:
    """Deactivate the older key once the device has signed with the newer one."""
    active = [k for k in devices.get(name).keys if k.status == "Active"]
    if len(active) < 2:
        ctx.note(f"device {name!r} has one active key: nothing to finish")
        return 0
    newest = max(active, key=lambda k: k.created)
    status = ctx.table.status(name)
    if status is None or status.caller_key != newest.access_key_id:
        raise KeyNotUsedYet(
            f"device {name!r} has not sent a reading signed with {newest.access_key_id} yet;"
            " the old key stays active"
        )
    for key in active:
        if key != newest:
            devices.deactivate_key(name, key.access_key_id)
    ctx.note(f"deactivated the old key of {name!r}; it signs with {newest.access_key_id}")
    return 0


def run_remove(args: argparse.Namespace, ctx: Context) -> int:
    device = _devices(ctx).remove(args.name)
    ctx.table.delete_status(args.name)  # no longer watched: a removed device raises no alert
    ctx.note(
        f"device {args.name!r} removed ({device.user_arn}: keys, policies and user deleted);"
        " its readings stay in the table"
    )
    return 0


def add_parsers(
    sub: Callable[[str, str], argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser], None],
) -> None:
    """``thermostat device ...``: ``sub`` makes a subcommand, ``common`` adds the options
    every subcommand takes (--stack, --region, ...) to each action too."""
    device = sub("device", "add, list, rotate keys of or remove a thermostat's own identity")
    actions = device.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text, description=help_text)
        common(parser)
        return parser

    p = action("add", "create the device's IAM user and keys; print its config")
    p.add_argument("name", help="the device id, e.g. living-room")
    p.add_argument("--output", type=Path, help="write config.toml and keys.toml here (0600)")
    p.set_defaults(run=run_add)
    p = action("list", "devices, key age, last seen, software")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", dest="format", action="store_const", const="json")
    fmt.add_argument("--csv", dest="format", action="store_const", const="csv")
    p.set_defaults(run=run_list, format="table")
    p = action("rotate-key", "a new key; the old one off once the Pi uses it")
    p.add_argument("name")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--now", action="store_true", help="delete the old key at once")
    how.add_argument("--finish", action="store_true", help="deactivate the old key now, if used")
    p.add_argument("--output", type=Path, help="write the new keys.toml here (0600)")
    p.add_argument(
        "--timeout",
        type=lambda text: timedelta(minutes=float(text.removesuffix("m"))),
        default=timedelta(minutes=15),
        help="minutes to wait for the new key to be used (15)",
    )
    p.set_defaults(run=run_rotate)
    p = action("remove", "delete the device's keys and user (readings stay)")
    p.add_argument("name")
    p.set_defaults(run=run_remove)
    device.set_defaults(auto_progress=False)
