"""thermostat.aws: botocore clients, and botocore without its docs generator in the images."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from thermostat import aws
dynamodb = aws.dynamodb_client()
sns = aws.sns_client()
print(json.dumps({
    "boto3": "boto3" in sys.modules,
    "docs_generator": "botocore.docs.service" in sys.modules,
    "operations": "PutItem" in dynamodb.meta.service_model.operation_names,
    "doc": dynamodb.put_item.__doc__.expandtabs()[:40],  # what help() shows
    "endpoint": dynamodb.meta.endpoint_url,
    "sns": sns.meta.service_model.service_name,
}))
"""


def probe(**env: str) -> dict[str, object]:
    """Create the clients in a fresh interpreter (the switch works only before botocore loads)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base |= {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "k",
        "AWS_SECRET_ACCESS_KEY": "s",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=base | env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout))


def test_functions_clients_come_from_botocore_without_boto3() -> None:
    """Making the functions' clients never imports boto3 (s3transfer, resources)."""
    found = probe()
    assert found["boto3"] is False
    assert (found["operations"], found["sns"]) == (True, "sns")
    assert found["endpoint"] == "https://dynamodb.eu-west-1.amazonaws.com"


@pytest.mark.parametrize(("switch", "generator"), [("1", False), ("", True)])
def test_the_images_switch_leaves_botocores_docs_generator_out(
    switch: str, generator: bool
) -> None:
    """THERMOSTAT_BOTOCORE_WITHOUT_DOCS=1: same client, no docs generator, empty docstrings."""
    found = probe(THERMOSTAT_BOTOCORE_WITHOUT_DOCS=switch)
    assert found["docs_generator"] is generator
    assert found["operations"] is True
    assert (found["doc"] == "") is (not generator)
