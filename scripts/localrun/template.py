"""Reads template.yaml (CloudFormation short tags included) and resolves intrinsic functions locally.

`Resolver` turns `!Ref`, `!GetAtt`, `!Sub` and friends into values from the resources created in moto
(see aws_resources.py). What has no local counterpart (a VPC, an RDS proxy) raises `Unresolvable`,
and the caller decides whether a local override covers it.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
NO_VALUE = object()  # AWS::NoValue: the property disappears

_SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
    "Sub": "Fn::Sub",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "Join": "Fn::Join",
    "FindInMap": "Fn::FindInMap",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "ImportValue": "Fn::ImportValue",
    "GetAZs": "Fn::GetAZs",
    "Base64": "Fn::Base64",
    "Cidr": "Fn::Cidr",
    "Transform": "Fn::Transform",
    "Length": "Fn::Length",
    "ToJsonString": "Fn::ToJsonString",
}


class TemplateError(Exception):
    """The template cannot be run locally as written."""


class Unresolvable(TemplateError):
    """A value that only exists in AWS (an RDS endpoint, an imported output...)."""


class CloudFormationLoader(yaml.SafeLoader):
    """A SafeLoader that reads `!Ref X` as {"Ref": "X"} and `!Sub ...` as {"Fn::Sub": ...}."""


def _construct_short_tag(loader: CloudFormationLoader, tag_suffix: str, node: yaml.Node) -> dict:
    name = _SHORT_TAGS.get(tag_suffix)
    if name is None:
        raise yaml.constructor.ConstructorError(None, None, f"unknown tag !{tag_suffix}", node.start_mark)
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CloudFormationLoader.add_multi_constructor("!", _construct_short_tag)


def load_template(path: str | Path) -> dict:
    """Parse a CloudFormation/SAM template, short tags turned into their long form."""
    with open(path, encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(document, dict) or "Resources" not in document:
        raise TemplateError(f"{path} is not a CloudFormation template (no Resources)")
    return document


@dataclass
class Physical:
    """What a created resource answers to `!Ref` and `!GetAtt`."""

    ref: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Resolver:
    """Resolves intrinsic functions against parameters, conditions and created resources."""

    template: dict
    physical: dict[str, Physical] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    stack_name: str = "ticketing-local"
    region: str = REGION
    account_id: str = ACCOUNT_ID

    def __post_init__(self) -> None:
        for name, spec in (self.template.get("Parameters") or {}).items():
            if name not in self.parameters and isinstance(spec, dict) and "Default" in spec:
                default = spec["Default"]
                self.parameters[name] = (
                    ",".join(map(str, default)) if isinstance(default, list) else scalar_text(default)
                )
        self._conditions: dict[str, bool] = {}

    def pseudo(self, name: str) -> Any:
        values = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/local",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": NO_VALUE,
            "AWS::NotificationARNs": [],
        }
        if name not in values:
            raise Unresolvable(f"unknown pseudo parameter {name}")
        return values[name]

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            conditions = self.template.get("Conditions") or {}
            if name not in conditions:
                raise TemplateError(f"unknown condition {name}")
            self._conditions[name] = bool(self.resolve(conditions[name]))
        return self._conditions[name]

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.parameters:
            value = self.parameters[name]
            spec = (self.template.get("Parameters") or {}).get(name) or {}
            if str(spec.get("Type", "")).startswith("List<") or spec.get("Type") == "CommaDelimitedList":
                return value.split(",") if value else []
            return value
        if name in self.physical:
            return self.physical[name].ref
        if name in (self.template.get("Resources") or {}):
            raise Unresolvable(f"resource {name} has no local counterpart")
        raise TemplateError(f"!Ref to unknown name {name}")

    def get_att(self, name: str, attribute: str) -> str:
        found = self.physical.get(name)
        if found is None or attribute not in found.attributes:
            if name not in (self.template.get("Resources") or {}):
                raise TemplateError(f"!GetAtt on unknown resource {name}")
            raise Unresolvable(f"{name}.{attribute} has no local counterpart")
        return found.attributes[attribute]

    def substitute(self, text: str, variables: Mapping[str, Any]) -> str:
        def replace(match: re.Match) -> str:
            inner = match.group(1)
            if inner.startswith("!"):
                return "${" + inner[1:] + "}"
            if inner in variables:
                return scalar_text(self.resolve(variables[inner]))
            if "." in inner and not inner.startswith("AWS::"):
                resource, attribute = inner.split(".", 1)
                return self.get_att(resource, attribute)
            return scalar_text(self.ref(inner))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def resolve(self, value: Any) -> Any:
        """The local value of a template fragment (dicts and lists resolved recursively)."""
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), *_ = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Condition":
                return self.condition(argument)
            if key.startswith("Fn::"):
                return self._function(key, argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def resolve_properties(self, properties: dict) -> dict:
        """Resolve each property on its own; those with no local counterpart (a KMS key) are left out."""
        resolved = {}
        for key, value in properties.items():
            try:
                found = self.resolve(value)
            except Unresolvable:
                continue
            if found is not NO_VALUE:
                resolved[key] = found
        return resolved

    def _function(self, name: str, argument: Any) -> Any:
        if name == "Fn::GetAtt":
            parts = argument if isinstance(argument, list) else str(argument).split(".", 1)
            resource, attribute = self.resolve(parts[0]), self.resolve(parts[1])
            return self.get_att(resource, attribute)
        if name == "Fn::Sub":
            if isinstance(argument, list):
                return self.substitute(argument[0], argument[1] if len(argument) > 1 else {})
            return self.substitute(argument, {})
        if name == "Fn::If":
            condition_name, when_true, when_false = argument
            return self.resolve(when_true if self.condition(condition_name) else when_false)
        if name == "Fn::Equals":
            left, right = (scalar_text(self.resolve(item)) for item in argument)
            return left == right
        if name == "Fn::Not":
            return not self.resolve(argument[0])
        if name == "Fn::And":
            return all(self.resolve(item) for item in argument)
        if name == "Fn::Or":
            return any(self.resolve(item) for item in argument)
        if name == "Fn::Join":
            delimiter, items = argument
            return delimiter.join(scalar_text(item) for item in self.resolve(items))
        if name == "Fn::Select":
            index, items = argument
            return self.resolve(items)[int(self.resolve(index))]
        if name == "Fn::Split":
            delimiter, text = argument
            return scalar_text(self.resolve(text)).split(delimiter)
        if name == "Fn::FindInMap":
            map_name, first, second = (scalar_text(self.resolve(item)) for item in argument[:3])
            try:
                return self.template["Mappings"][map_name][first][second]
            except KeyError as exc:
                raise TemplateError(f"!FindInMap {map_name}/{first}/{second} not found") from exc
        if name == "Fn::GetAZs":
            return [f"{self.region}{zone}" for zone in "abc"]
        if name == "Fn::Base64":
            return base64.b64encode(scalar_text(self.resolve(argument)).encode()).decode()
        if name == "Fn::ToJsonString":
            return json.dumps(self.resolve(argument), separators=(",", ":"))
        if name == "Fn::Length":
            return len(self.resolve(argument))
        raise Unresolvable(f"{name} has no local counterpart")


def scalar_text(value: Any) -> str:
    """A value as CloudFormation turns it into a string (booleans lower-case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None:
        return ""
    return str(value)


def resources_of_type(template: dict, *types: str) -> Iterator[tuple[str, dict]]:
    """(logical id, resource) pairs of the given types, in template order."""
    for logical_id, resource in (template.get("Resources") or {}).items():
        if isinstance(resource, dict) and resource.get("Type") in types:
            yield logical_id, resource


def references_in(value: Any) -> set[str]:
    """Logical ids a fragment refers to through Ref, GetAtt or Sub (for creation order)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references_in(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                parts = item if isinstance(item, list) else str(item).split(".", 1)
                if isinstance(parts[0], str):
                    found.add(parts[0])
            elif key == "Fn::Sub":
                text = item[0] if isinstance(item, list) else item
                if isinstance(text, str):
                    found |= {m.split(".", 1)[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text)}
                if isinstance(item, list) and len(item) > 1:
                    found |= references_in(item[1])
            else:
                found |= references_in(item)
    return {name for name in found if not name.startswith("AWS::")}


def function_properties(template: dict, resource: dict) -> dict:
    """A function's properties with Globals.Function merged in (environment variables merged key by key)."""
    defaults = ((template.get("Globals") or {}).get("Function") or {}).copy()
    own = resource.get("Properties") or {}
    merged = {**defaults, **own}
    variables = {
        **(((defaults.get("Environment") or {}).get("Variables")) or {}),
        **(((own.get("Environment") or {}).get("Variables")) or {}),
    }
    merged["Environment"] = {"Variables": variables}
    return merged
