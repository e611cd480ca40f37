"""Configuration: TOML, environment overrides, endpoints.json, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pi_fakes import local_stack

from thermostat_pi.cadence import UploadCadence
from thermostat_pi.cli import main
from thermostat_pi.config import load_config
from thermostat_pi.errors import ConfigError

EXAMPLE = Path(__file__).parent.parent / "config.example.toml"
NONE_ENDPOINT = '[endpoint]\nurl = "http://127.0.0.1:1/"\nauth = "NONE"\n'
MINIMAL = 'device_id = "pi-1"\n' + NONE_ENDPOINT
FROM_ENDPOINTS_FILE = 'device_id = "pi-1"\nendpoints_file = "endpoints.json"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pi.toml"
    path.write_text(text)
    return path


def test_example_config_loads(tmp_path: Path) -> None:
    """pi/config.example.toml is valid, its keys taken from a private keys file."""
    keys = tmp_path / "keys.toml"
    keys.write_text('access_key_id = "AKID"\nsecret_access_key = "s"\n')
    keys.chmod(0o600)
    config = load_config(EXAMPLE, env={"THERMOSTAT_PI_ENDPOINT_KEYS_FILE": str(keys)})
    endpoint = config.endpoint_source.resolve()
    assert (config.device_id, config.relay_pin, endpoint.auth) == ("living-room", 17, "AWS_IAM")
    assert endpoint.access_key_id == "AKID"


def test_defaults_fill_what_the_file_leaves_out(tmp_path: Path) -> None:
    """Only device_id and the endpoint are required; relative spool paths follow the file."""
    config = load_config(
        write(tmp_path, MINIMAL.replace('"pi-1"', '"pi-1"\nspool_path = "s.db"')), env={}
    )
    assert (config.interval_seconds, config.setpoint_c, config.batch_size) == (60.0, 20.0, 100)
    assert config.upload_cadence == UploadCadence(after_readings=2, max_delay_s=90.0)
    assert config.spool_path == tmp_path / "s.db"
    assert config.settings_path == tmp_path / "s.settings.json"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    """THERMOSTAT_PI_* variables win over the file, converted to the key's type."""
    env = {
        "THERMOSTAT_PI_SETPOINT_C": "21.5",
        "THERMOSTAT_PI_RELAY_ACTIVE_HIGH": "false",
        "THERMOSTAT_PI_RELAY_PIN": "GPIO27",
        "THERMOSTAT_PI_ENDPOINT_URL": "http://127.0.0.1:2/",
    }
    config = load_config(write(tmp_path, MINIMAL), env=env)
    assert (config.setpoint_c, config.relay_active_high, config.relay_pin) == (
        21.5,
        False,
        "GPIO27",
    )
    assert config.endpoint_source.resolve().url == "http://127.0.0.1:2/"


def test_endpoints_file_fills_url_region_and_keys(tmp_path: Path) -> None:
    """make dev's endpoints.json supplies url, region and keys the file does not set."""
    local_stack(ingest_url="http://127.0.0.1:4567/ingest/").write(tmp_path / "endpoints.json")
    config = load_config(write(tmp_path, FROM_ENDPOINTS_FILE), env={})
    ep = config.endpoint_source.resolve()
    assert (ep.url, ep.region, ep.auth, ep.access_key_id) == (
        "http://127.0.0.1:4567/ingest/",
        "eu-west-1",
        "AWS_IAM",
        "test",
    )


def test_endpoints_file_device_keys_are_preferred(tmp_path: Path) -> None:
    """With a device identity in endpoints.json, the Pi signs as the device, not the admin."""
    local_stack(
        access_key_id="ADMINKEY",
        secret_access_key="admin-secret",
        device_id="dev-pi",
        device_access_key_id="DEVICEKEY",
        device_secret_access_key="device-secret",
    ).write(tmp_path / "endpoints.json")
    config = load_config(write(tmp_path, FROM_ENDPOINTS_FILE), env={})
    ep = config.endpoint_source.resolve()
    assert (ep.access_key_id, ep.secret_access_key) == ("DEVICEKEY", "device-secret")


def test_endpoints_file_auth_type_and_explicit_keys(tmp_path: Path) -> None:
    """auth_type NONE in endpoints.json is used; a url set in the config file wins."""
    local_stack(auth_type="none").write(tmp_path / "endpoints.json")
    text = 'device_id = "p"\n[endpoint]\nurl = "http://127.0.0.1:9/"\n'
    text += 'endpoints_file = "endpoints.json"\n'
    endpoint = load_config(write(tmp_path, text), env={}).endpoint_source.resolve()
    assert (endpoint.url, endpoint.auth) == ("http://127.0.0.1:9/", "NONE")


def test_secret_is_not_in_repr(tmp_path: Path) -> None:
    """The endpoint's repr leaves the secret key out, so logs cannot leak it."""
    env = {"THERMOSTAT_PI_ENDPOINT_SECRET_ACCESS_KEY": "hunter2"}
    config = load_config(write(tmp_path, MINIMAL), env=env)
    assert "hunter2" not in repr(config)
    assert "hunter2" not in repr(config.endpoint_source.resolve())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[endpoint]\nurl = "http://x/"\nauth = "NONE"\n', "device_id is required"),
        (MINIMAL.replace('"pi-1"', '"pi 1!"'), "device_id 'pi 1!'"),
        ('device_id = "p"\n[endpoint]\nauth = "NONE"\n', "url is required"),
        ('device_id = "p"\n[endpoint]\nurl = "ftp://x"\nauth = "NONE"\n', "http://"),
        ('device_id = "p"\n[endpoint]\nurl = "http://x"\nauth = "KEY"\n', "auth must be"),
        ('device_id = "p"\n[endpoint]\nurl = "http://x"\n', "AWS_IAM needs region"),
        ('device_id = "p"\nsetpoint_c = 80\n' + NONE_ENDPOINT, "setpoint_c must be"),
        ('device_id = "p"\nbatch_size = 501\n' + NONE_ENDPOINT, "batch_size"),
        ('device_id = "p"\ninterval_seconds = 0\n' + NONE_ENDPOINT, "interval_seconds"),
        ('device_id = "p"\nupload_after_readings = 0\n' + NONE_ENDPOINT, "upload_after_readings"),
        ('device_id = "p"\nupload_after_readings = 101\n' + NONE_ENDPOINT, "1..batch_size"),
        ('device_id = "p"\nupload_max_delay_seconds = -1\n' + NONE_ENDPOINT, "max_delay"),
        ('device_id = "p"\nrelay_active_high = "maybe"\n' + NONE_ENDPOINT, "true or false"),
        ('device_id = "p"\nsetpoint = 20\n' + NONE_ENDPOINT, "unknown key.*setpoint"),
        ('device_id = "p"\nendpoints_file = "nope.json"\n', "nope.json"),
        ("device_id = \n", "config file"),
    ],
)
def test_invalid_config_raises_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    """Each invalid configuration names what is wrong."""
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text), env={}).endpoint_source.resolve()


def test_invalid_environment_value_names_the_variable(tmp_path: Path) -> None:
    """A bad override is reported under its environment variable's name."""
    with pytest.raises(ConfigError, match="THERMOSTAT_PI_SPOOL_MAX_ROWS"):
        load_config(write(tmp_path, MINIMAL), env={"THERMOSTAT_PI_SPOOL_MAX_ROWS": "lots"})


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    """A config path that does not exist says so and points at the example."""
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.toml", env={})


def test_cli_exits_2_on_config_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`thermostat-pi status` with a broken config exits 2 with the reason on stderr."""
    assert main(["--config", str(tmp_path / "absent.toml"), "status"]) == 2
    assert "configuration error" in capsys.readouterr().err
