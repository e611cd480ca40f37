"""scripts/trim_botocore_data.py: the images keep only the botocore services they call, and
those resolve exactly as before."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import botocore
import botocore.session
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "trim_botocore_data.py"
DATA = Path(botocore.__file__).parent / "data"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("trim_botocore_data", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_trim_removes_every_service_directory_not_kept(tmp_path: Path) -> None:
    """Kept services and the shared files stay; other service directories go."""
    for name in ("dynamodb", "sns", "s3", "ec2"):
        (tmp_path / name / "2020-01-01").mkdir(parents=True)
    (tmp_path / "partitions.json").write_text("{}")
    gone = _script().trim(tmp_path, {"dynamodb", "sns"})
    assert gone == ["ec2", "s3"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dynamodb", "partitions.json", "sns"]


@pytest.mark.parametrize(("service", "region"), [("dynamodb", "us-east-1"), ("sns", "eu-west-1")])
def test_kept_services_resolve_as_with_the_whole_endpoints_file(
    tmp_path: Path, service: str, region: str
) -> None:
    """A client made with the trimmed endpoints.json has the same URL and signing region."""
    shutil.copy(DATA / "endpoints.json", tmp_path / "endpoints.json")
    _script().trim_endpoints(tmp_path / "endpoints.json", {"dynamodb", "sns", "sts"})
    assert (tmp_path / "endpoints.json").stat().st_size < (DATA / "endpoints.json").stat().st_size
    clients = []
    for data_path in (None, tmp_path):
        session = botocore.session.get_session()
        if data_path is not None:  # searched before botocore's own data
            session.set_config_variable("data_path", str(data_path))
            assert len(session.get_data("endpoints")["partitions"][0]["services"]) == 3
        clients.append(
            session.create_client(
                service, region_name=region, aws_access_key_id="k", aws_secret_access_key="s"
            )
        )
    whole, trimmed = clients
    assert trimmed.meta.endpoint_url == whole.meta.endpoint_url
    assert trimmed.meta.config.signature_version == whole.meta.config.signature_version
    assert trimmed.meta.region_name == whole.meta.region_name
