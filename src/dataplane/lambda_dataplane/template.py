"""Resolve the intrinsic functions of a CloudFormation template against a deployed stack.

The local data plane needs the properties of resources the stack did not create (the
event source mapping and the Function URL are behind a condition), so it evaluates them
itself: ``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``Fn::If``, ``Fn::Equals``, ``Fn::And``,
``Fn::Or``, ``Fn::Not``, ``Fn::Join``, ``Fn::Select`` and ``Condition``, in long form
(``yaml.safe_load`` cannot read the ``!Ref`` short tags).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from lambda_dataplane.errors import DataplaneError

NO_VALUE = object()  # AWS::NoValue: the property is removed
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")

AttributeLookup = Callable[[str, str], Any]


class TemplateError(DataplaneError, ValueError):
    """The template cannot be read or an intrinsic cannot be resolved."""


def load_template(path: Path) -> dict[str, Any]:
    try:
        body = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise TemplateError(f"cannot read template {path}: {err}") from err
    if not isinstance(body, dict) or not isinstance(body.get("Resources"), dict):
        raise TemplateError(f"{path} is not a CloudFormation template (no Resources)")
    return body


class Resolver:
    """Evaluates template values with the stack's parameters and physical resource ids."""

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        parameters: Mapping[str, str],
        pseudo: Mapping[str, str],
        physical_ids: Mapping[str, str],
        attribute: AttributeLookup,
    ) -> None:
        self.template = template
        self._parameters = dict(parameters)
        self._pseudo = dict(pseudo)
        self._physical = dict(physical_ids)
        self._attribute = attribute
        self._conditions: dict[str, bool] = {}

    def resources(self, resource_type: str) -> dict[str, Mapping[str, Any]]:
        """Every resource of a type in the template, created or not."""
        return {
            logical: body
            for logical, body in self.template["Resources"].items()
            if body.get("Type") == resource_type
        }

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            definitions = self.template.get("Conditions") or {}
            if name not in definitions:
                raise TemplateError(f"unknown condition {name!r}")
            self._conditions[name] = bool(self.resolve(definitions[name]))
        return self._conditions[name]

    def properties(self, logical_id: str) -> dict[str, Any]:
        """The resolved ``Properties`` of a resource."""
        resource = self.template["Resources"].get(logical_id)
        if resource is None:
            raise TemplateError(f"no resource {logical_id!r} in the template")
        resolved = self.resolve(resource.get("Properties") or {})
        return dict(resolved)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            handler = _INTRINSICS.get(key)
            if handler is not None:
                return handler(self, argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self._parameters:
            return self._parameters[name]
        if name in self._physical:
            return self._physical[name]
        raise TemplateError(f"cannot resolve Ref {name!r}: not a parameter or created resource")

    def get_att(self, argument: Any) -> Any:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        logical, attribute = (self.resolve(part) for part in argument)
        return self._attribute(str(logical), str(attribute))

    def sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {key: self.resolve(item) for key, item in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"  # ${!Literal} is written out as ${Literal}
            if name in values:
                return str(values[name])
            if "." in name and not name.startswith("AWS::"):
                return str(self.get_att(name))
            return str(self.ref(name))

        return _SUB_VARIABLE.sub(replace, text)


def _if(resolver: Resolver, argument: Any) -> Any:
    name, when_true, when_false = argument
    return resolver.resolve(when_true if resolver.condition(name) else when_false)


def _equals(resolver: Resolver, argument: Any) -> bool:
    left, right = (resolver.resolve(item) for item in argument)
    # Parameters are strings; a literal in the template may be a YAML number or boolean.
    return _text(left) == _text(right)


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _join(resolver: Resolver, argument: Any) -> str:
    delimiter, items = argument
    return str(delimiter).join(_text(item) for item in resolver.resolve(items))


def _select(resolver: Resolver, argument: Any) -> Any:
    index, items = argument
    return resolver.resolve(items)[int(resolver.resolve(index))]


_INTRINSICS: dict[str, Callable[[Resolver, Any], Any]] = {
    "Ref": lambda r, a: r.ref(str(a)),
    "Fn::GetAtt": Resolver.get_att,
    "Fn::Sub": Resolver.sub,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::And": lambda r, a: all(r.resolve(item) for item in a),
    "Fn::Or": lambda r, a: any(r.resolve(item) for item in a),
    "Fn::Not": lambda r, a: not r.resolve(a[0]),
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Condition": lambda r, a: r.condition(str(a)),
}
