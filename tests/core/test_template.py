"""The CloudFormation template: lints, deploys on moto_server, and grants the least it can."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import yaml

from tests.support.moto import MotoServer
from tests.support.stack import TEMPLATE, deploy

# Actions AWS offers no resource-level permission for, so "*" is the only valid resource.
ACTIONS_WITHOUT_RESOURCE_SCOPE = {"dynamodb:ListStreams"}


def template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(TEMPLATE.read_text())
    return loaded


def test_template_passes_cfn_lint() -> None:
    """cfn-lint finds nothing (errors, warnings or informational)."""
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_local_data_plane_stack_deploys_without_mapping_or_url(moto_stack: dict[str, str]) -> None:
    """LocalDataPlane=true: table with stream and status index, functions; no URL, no mapping."""
    table = boto3.client("dynamodb").describe_table(TableName=moto_stack["TableName"])["Table"]
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == [
        "DeviceStatusIndex"
    ]
    assert "IngestFunctionUrl" not in moto_stack
    assert boto3.client("lambda").list_event_source_mappings()["EventSourceMappings"] == []
    function = boto3.client("lambda").get_function(FunctionName=moto_stack["IngestFunctionName"])
    assert function["Code"]["ImageUri"] == "thermostat-ingest:test"
    # moto drops ImageConfig from CloudFormation; the data plane reads Command from the template.


def test_managed_stack_deploys_with_the_mapping_as_written(aws: MotoServer, tmp_path: Path) -> None:
    """LocalDataPlane=false (AWS): the event source mapping carries every safety setting."""
    body = template()
    # moto has no AWS::Lambda::Url (it creates nothing) and fails on outputs that read one.
    del body["Outputs"]["IngestFunctionUrl"]
    variant = tmp_path / "template.json"
    variant.write_text(json.dumps(body))
    outputs = deploy(boto3.client("cloudformation"), template=variant, LocalDataPlane="false")
    [mapping] = boto3.client("lambda").list_event_source_mappings()["EventSourceMappings"]
    assert mapping["EventSourceArn"] == outputs["TableStreamArn"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == 5
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == outputs["FailureQueueArn"]
    pattern = json.loads(mapping["FilterCriteria"]["Filters"][0]["Pattern"])
    assert pattern == {"dynamodb": {"Keys": {"sk": {"S": [{"prefix": "READING#"}]}}}}


def test_function_url_defaults_to_iam_auth() -> None:
    """Nobody unsigned can write: AWS_IAM unless the user chooses NONE."""
    parameters = template()["Parameters"]
    assert parameters["FunctionUrlAuthType"]["Default"] == "AWS_IAM"
    url = template()["Resources"]["IngestFunctionUrl"]
    assert url["Properties"]["AuthType"] == {"Ref": "FunctionUrlAuthType"}


def test_table_keeps_data_safe() -> None:
    """On-demand, point-in-time recovery, TTL on expires_at, retained on stack deletion."""
    table = template()["Resources"]["ReadingsTable"]
    assert table["DeletionPolicy"] == "Retain"
    properties = table["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["TimeToLiveSpecification"]["AttributeName"] == "expires_at"


def _statements() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, resource in template()["Resources"].items():
        documents = [
            p["PolicyDocument"] for p in resource.get("Properties", {}).get("Policies", [])
        ]
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            documents.append(resource["Properties"]["PolicyDocument"])
        for document in documents:
            found.extend((name, statement) for statement in document["Statement"])
    return found


def test_iam_policies_use_no_wildcards_beyond_what_aws_requires() -> None:
    """No '*' in actions; '*' resources only for actions that cannot be scoped."""
    statements = _statements()
    assert statements
    for owner, statement in statements:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        assert all("*" not in action for action in actions), (owner, actions)
        if statement["Resource"] == "*":
            assert set(actions) <= ACTIONS_WITHOUT_RESOURCE_SCOPE, (owner, actions)
        assert statement["Effect"] == "Allow"


def test_ingest_role_can_only_write_readings() -> None:
    """The ingest function may put and get items of its table and write its logs, nothing
    else (GetItem: the device's settings; no BatchWriteItem: readings are put conditionally)."""
    role = template()["Resources"]["IngestFunctionRole"]["Properties"]
    actions = {
        a for p in role["Policies"] for s in p["PolicyDocument"]["Statement"] for a in s["Action"]
    }
    assert actions == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
    assert "ManagedPolicyArns" not in role


def test_the_parameter_table_in_docs_is_made_from_the_template() -> None:
    """docs/template.md lists every parameter with the template's default and description."""
    checked = subprocess.run(
        [sys.executable, "scripts/template_docs.py", "check"],
        cwd=TEMPLATE.parents[1],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


def test_every_parameter_says_what_it_does() -> None:
    """A parameter without a Description would be an empty row in the docs."""
    undescribed = [n for n, p in template()["Parameters"].items() if not p.get("Description")]
    assert undescribed == []
