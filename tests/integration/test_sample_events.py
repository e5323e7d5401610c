"""Every function has a sample event in events/ (for `sam local invoke -e`), and each one runs here:
the same handlers, invoked with the sample event, answer without a server error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localrun.template import load_template, resources_of_type

EVENTS = Path(__file__).resolve().parents[2] / "events"
# The migration custom resource answers CloudFormation at the event's ResponseURL; its own test
# (test_migrate_custom_resource.py) runs it against a local ResponseURL.
COVERED_ELSEWHERE = {"MigrateFunction"}
TEMPLATE_FUNCTIONS = [
    logical_id
    for logical_id, _ in resources_of_type(
        load_template(EVENTS.parent / "template.yaml"), "AWS::Serverless::Function"
    )
]


def event_name(function) -> str:
    module = function.handler.rpartition(".")[0]
    if module == "app":
        return function.code_uri.name
    return module.split(".")[-2]


def test_every_function_has_a_sample_event(runtime):
    missing = [
        f.logical_id for f in runtime.functions.values() if not (EVENTS / f"{event_name(f)}.json").is_file()
    ]
    assert missing == []
    env = json.loads((EVENTS / "env.json").read_text())
    assert set(runtime.functions) <= set(env) | {"Parameters"}


def _routes(function) -> set[str]:
    return {  # API Gateway's route key: "METHOD /path", or "$default" for the catch-all route
        "$default"
        if e["Properties"]["Path"] == "$default"
        else f"{e['Properties']['Method'].upper()} {e['Properties']['Path']}"
        for e in function.events.values()
        if e.get("Type") == "HttpApi"
    }


@pytest.mark.parametrize("logical_id", sorted(set(TEMPLATE_FUNCTIONS) - COVERED_ELSEWHERE))
def test_sample_event_runs_through_its_function(runtime, logical_id):
    function = runtime.functions[logical_id]
    event = json.loads((EVENTS / f"{event_name(function)}.json").read_text())
    result = function.invoke(event)
    routes = _routes(function)
    if not routes:
        assert isinstance(result, dict)
        return
    assert event["routeKey"] in routes
    assert 200 <= result["statusCode"] < 500, result
    if result["statusCode"] >= 400:
        assert result["headers"]["Content-Type"] == "application/problem+json"
        assert json.loads(result["body"])["status"] == result["statusCode"]
