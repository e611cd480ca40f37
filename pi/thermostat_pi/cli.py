"""``thermostat-pi``: run the service, show its status, or flush the spool now."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from thermostat_pi.cadence import SEND_AT_ONCE, UploadCadence
from thermostat_pi.config import DEFAULT_CONFIG_PATH, Config, load_config
from thermostat_pi.control import Relay, Thermostat, make_relay
from thermostat_pi.endpoint import Endpoint, EndpointWatcher
from thermostat_pi.errors import ConfigError, ThermostatPiError
from thermostat_pi.live_status import LiveStatus
from thermostat_pi.outbox import Outbox
from thermostat_pi.remote_settings import RemoteSettings
from thermostat_pi.sensor import DS18B20Sensor, TemperatureSensor
from thermostat_pi.service import run_service, utc_now
from thermostat_pi.spool_recovery import open_spool
from thermostat_pi.status import report
from thermostat_pi.uploader import Queue, Uploader, endpoint_auth

log = logging.getLogger("thermostat_pi")


def _uploader(
    config: Config,
    queue: Queue,
    endpoint: Endpoint,
    device: RemoteSettings,
    *,
    sleep: Callable[[float], object] = time.sleep,
    backoff_max_s: float = 300.0,
    cadence: UploadCadence = SEND_AT_ONCE,
) -> Uploader:
    return Uploader(
        spool=queue,
        url=endpoint.url,
        auth=endpoint_auth(endpoint),
        watcher=EndpointWatcher(config.endpoint_source, endpoint),
        device=device,
        batch_size=config.batch_size,
        deadline_s=config.request_deadline_seconds,
        sleep=sleep,
        backoff_max_s=backoff_max_s,
        cadence=cadence,
    )


def _thermostat(config: Config, relay: Relay, sensor: TemperatureSensor) -> Thermostat:
    return Thermostat(
        sensor=sensor,
        relay=relay,
        setpoint_c=config.setpoint_c,
        hysteresis_c=config.hysteresis_c,
        min_on_s=config.min_cycle_seconds,
        min_off_s=config.min_cycle_seconds,
    )


def cmd_run(config: Config, *, simulate: bool, broken_furnace: bool = False) -> int:
    # First, so that a bad keys file stops the start before the relay pin is claimed.
    endpoint = config.endpoint_source.resolve()
    relay: Any
    if simulate:
        # No GPIO and no sensor off a Pi: a simulated house and furnace, the same control loop.
        from thermostat_pi.simulation import simulated_pi

        simulated = simulated_pi(
            monotonic=time.monotonic,
            now=utc_now,
            setpoint_c=config.setpoint_c,
            hysteresis_c=config.hysteresis_c,
            min_cycle_s=config.min_cycle_seconds,
        )
        # A furnace that clicks on but never heats: what the heating-fault alert is for.
        simulated.furnace.broken = broken_furnace
        if broken_furnace:
            log.warning("simulated furnace is broken: the relay clicks on but nothing heats")
        relay, thermostat = simulated.furnace, simulated.thermostat
    else:
        relay = make_relay(config.relay_pin, active_high=config.relay_active_high)
    outbox: Outbox | None = None
    try:
        if not simulate:
            sensor = DS18B20Sensor(base_dir=config.w1_devices_dir, sensor_id=config.sensor_id)
            thermostat = _thermostat(config, relay, sensor)
        # Never raises: a spool the disk cannot hold degrades to memory, heating goes on.
        outbox = Outbox(
            config.spool_path,
            max_rows=config.spool_max_rows,
            memory_rows=config.memory_buffer_rows,
            retry_s=config.spool_retry_seconds,
        )
        # The settings in force: saved ones, or the config's setpoint until some arrive.
        settings = RemoteSettings(
            config.settings_path, default_setpoint_c=config.setpoint_c, note=outbox.note
        )
        stop = threading.Event()
        uploader = _uploader(
            config, outbox, endpoint, settings, sleep=stop.wait, cadence=config.upload_cadence
        )
        log.info("running as %s, sending to %s", config.device_id, endpoint.url)
        run_service(
            thermostat=thermostat,
            outbox=outbox,
            uploader=uploader,
            device_id=config.device_id,
            interval_s=config.interval_seconds,
            stop=stop,
            live=LiveStatus(config.status_file),
            settings=settings,
        )
    finally:
        relay.off()
        relay.close()
        if outbox is not None:
            outbox.close()
    return 0


def cmd_status(config: Config) -> int:
    for line in report(config):
        print(line)
    return 0


def cmd_flush(config: Config, *, max_failures: int) -> int:
    endpoint = config.endpoint_source.resolve()
    spool = open_spool(config.spool_path, max_rows=config.spool_max_rows).spool
    # Reports the saved settings version; new settings are the running service's to apply.
    device = RemoteSettings(config.settings_path, default_setpoint_c=config.setpoint_c, apply=False)
    uploader = _uploader(config, spool, endpoint, device, backoff_max_s=30.0)
    before = spool.status().depth
    uploader.drain(max_failures=max_failures)
    left = spool.status().depth
    print(f"sent {spool.status().acked} so far; {before - left} left the spool, {left} queued")
    spool.close()
    return 0 if left == 0 else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="thermostat-pi", description=__doc__)
    parser.add_argument(
        "--config",
        type=Path,
        default=Path(os.environ.get("THERMOSTAT_PI_CONFIG", DEFAULT_CONFIG_PATH)),
        help="TOML config (default: $THERMOSTAT_PI_CONFIG or %(default)s)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="control the heat and send readings (the service)")
    run.add_argument("--simulate", action="store_true", help="simulated room and mock relay")
    run.add_argument(
        "--broken-furnace",
        action="store_true",
        help="with --simulate: the furnace clicks on but never heats (try the heating alert)",
    )
    commands.add_parser("status", help="spool depth, last acknowledged send, relay state")
    flush = commands.add_parser("flush", help="send everything now; exit 1 if some stays")
    flush.add_argument("--max-failures", type=int, default=5, help="give up after N in a row")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = load_config(args.config)
        if args.command == "run":
            if args.broken_furnace and not args.simulate:
                parser.error("--broken-furnace needs --simulate (it breaks the simulated furnace)")
            return cmd_run(config, simulate=args.simulate, broken_furnace=args.broken_furnace)
        if args.command == "status":
            return cmd_status(config)
        return cmd_flush(config, max_failures=args.max_failures)
    except ConfigError as err:
        print(f"thermostat-pi: configuration error: {err}", file=sys.stderr)
        return 2
    except ThermostatPiError as err:
        print(f"thermostat-pi: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
