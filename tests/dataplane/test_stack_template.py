"""Intrinsic functions, resolved the way CloudFormation does, on small templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lambda_dataplane.template import Resolver, TemplateError, load_template

TEMPLATE: dict[str, Any] = {
    "Conditions": {
        "Managed": {"Fn::Equals": [{"Ref": "Local"}, "false"]},
        "Forever": {"Fn::Equals": [{"Ref": "Days"}, 0]},
        "Both": {"Fn::And": [{"Condition": "Managed"}, {"Fn::Not": [{"Condition": "Forever"}]}]},
    },
    "Resources": {
        "Table": {"Type": "AWS::DynamoDB::Table"},
        "Url": {"Type": "AWS::Lambda::Url", "Condition": "Managed"},
    },
}


def resolver(**parameters: str) -> Resolver:
    def attribute(logical: str, name: str) -> str:
        if logical != "Table":
            raise TemplateError(f"{logical} was not created")
        return f"arn:table/{name}"

    return Resolver(
        TEMPLATE,
        parameters={"Local": "true", "Days": "0", **parameters},
        pseudo={"AWS::StackName": "dev", "AWS::Region": "us-east-1"},
        physical_ids={"Table": "dev-Table-1"},
        attribute=attribute,
    )


def test_ref_gives_parameters_pseudo_parameters_and_physical_ids() -> None:
    """Ref resolves a parameter, AWS::StackName and a created resource."""
    r = resolver()
    assert r.resolve([{"Ref": "Local"}, {"Ref": "AWS::StackName"}, {"Ref": "Table"}]) == [
        "true",
        "dev",
        "dev-Table-1",
    ]


def test_conditions_compare_numbers_to_parameter_strings() -> None:
    """Fn::Equals of "0" and the YAML number 0 is true; And/Not/Condition combine."""
    assert resolver().condition("Forever")
    assert not resolver().condition("Managed")
    assert resolver(Local="false", Days="30").condition("Both")


def test_if_picks_the_branch_and_no_value_drops_the_property() -> None:
    """Fn::If follows its condition; AWS::NoValue removes the key."""
    value = {
        "A": {"Fn::If": ["Forever", "keep", "expire"]},
        "B": {"Fn::If": ["Managed", "x", {"Ref": "AWS::NoValue"}]},
    }
    assert resolver().resolve(value) == {"A": "keep"}


def test_sub_replaces_refs_attributes_variables_and_keeps_escaped_literals() -> None:
    """${Param}, ${Res.Attr}, a variable map, and ${!Literal} written out as ${Literal}."""
    text = {"Fn::Sub": ["${AWS::StackName}/${Table.StreamArn}/${Extra}/${!Keep}", {"Extra": "x"}]}
    assert resolver().resolve(text) == "dev/arn:table/StreamArn/x/${Keep}"


def test_get_att_and_join_and_select() -> None:
    """Fn::GetAtt in list and dotted form; Fn::Join; Fn::Select."""
    r = resolver()
    assert r.resolve({"Fn::GetAtt": ["Table", "Arn"]}) == "arn:table/Arn"
    assert r.resolve({"Fn::GetAtt": "Table.Arn"}) == "arn:table/Arn"
    assert r.resolve({"Fn::Join": ["-", ["a", {"Ref": "Days"}]]}) == "a-0"
    assert r.resolve({"Fn::Select": [1, ["a", "b"]]}) == "b"


@pytest.mark.parametrize(
    "value",
    [
        {"Ref": "Unknown"},
        {"Fn::If": ["NoSuchCondition", 1, 2]},
        {"Fn::GetAtt": ["Url", "FunctionUrl"]},
    ],
    ids=["unknown-ref", "unknown-condition", "resource-not-created"],
)
def test_unresolvable_values_raise_template_error(value: dict[str, Any]) -> None:
    """What cannot be resolved is a TemplateError naming it, never a silent None."""
    with pytest.raises(TemplateError):
        resolver().resolve(value)


def test_resources_of_a_type_include_skipped_ones() -> None:
    """resources() lists conditional resources whether or not the stack created them."""
    assert list(resolver().resources("AWS::Lambda::Url")) == ["Url"]


@pytest.mark.parametrize("text", ["Resources: [", "just: a mapping"], ids=["yaml", "no-resources"])
def test_unreadable_templates_raise_template_error(tmp_path: Path, text: str) -> None:
    """Broken YAML or a file without Resources is refused with TemplateError."""
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(TemplateError):
        load_template(path)


def test_the_real_template_loads_with_safe_load() -> None:
    """The real template uses long-form intrinsics only, so safe_load reads it."""
    path = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"
    assert "Resources" in load_template(path)
