"""The runtime on the real template.yaml serves every route it declares, with the declared auth."""

from pathlib import Path

import pytest
import yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


class _AnyTagLoader(yaml.SafeLoader):
    """Reads the template independently of localrun's loader: every tag becomes a plain value."""


_AnyTagLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def declared_routes() -> dict[tuple[str, str], bool]:
    """(METHOD, path) → is public, straight from template.yaml."""
    document = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_AnyTagLoader)  # noqa: S506
    routes = {}
    for resource in document["Resources"].values():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in (resource["Properties"].get("Events") or {}).values():
            if event.get("Type") == "HttpApi":
                properties = event["Properties"]
                public = (properties.get("Auth") or {}).get("Authorizer") == "NONE"
                routes[(properties["Method"].upper(), properties["Path"])] = public
    return routes


def concrete(path: str) -> str:
    return "/".join(
        "00000000-0000-0000-0000-000000000000" if p.startswith("{") else p for p in path.split("/")
    )


def test_the_template_declares_routes():
    assert ("GET", "/health") in declared_routes()


def test_every_declared_route_is_registered_with_its_auth(runtime):
    registered = {(route.method, route.path): route.public for route in runtime.routes.routes}
    assert registered == declared_routes()


@pytest.mark.parametrize(("method", "path"), sorted(declared_routes()))
def test_every_declared_route_answers_through_http(api, method, path):
    public = declared_routes()[(method, path)]
    if path == "$default":  # the catch-all: a method no route serves reaches it and gets 405 with Allow
        response = api.request("TRACE", "/events")
        assert response.status == 405 and response.headers["Allow"] == "GET, POST"
        return
    response = api.request(
        method, concrete(path), json_body={} if method in ("POST", "PUT", "PATCH") else None
    )
    assert response.status != 405
    assert not (response.status == 404 and "No route for" in (response.json or {}).get("detail", ""))
    if not public:
        assert response.status == 401
        assert response.json["type"] == "https://ticketing.example.com/problems/unauthorized"


def test_health_answers_and_carries_a_correlation_id(api):
    response = api.get("/health")
    assert response.status == 200
    assert response.headers["X-Correlation-Id"]


def test_scheduled_functions_are_driven(runtime):
    declared = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_AnyTagLoader)["Resources"]  # noqa: S506
    scheduled = {
        logical_id
        for logical_id, resource in declared.items()
        if resource.get("Type") == "AWS::Serverless::Function"
        and any(
            e.get("Type") in ("ScheduleV2", "Schedule")
            for e in (resource["Properties"].get("Events") or {}).values()
        )
    }
    assert set(runtime.schedules) == scheduled
    if "ExpireHoldsFunction" in scheduled:
        # The tests' runtime runs schedules only when asked.
        assert not any(driver.timed for driver in runtime.schedules.values())
        assert runtime.run_schedule_now("ExpireHoldsFunction").succeeded


def test_organizer_token_and_new_buyer_fixtures(api, organizer_token, new_buyer):
    me = api.get("/users/me", token=organizer_token)
    assert me.status == 200, me.text
    assert "organizer" in me.json["roles"]
    buyer = new_buyer()
    assert len(buyer.cpf) == 11 and buyer.token
    mine = api.get("/users/me", token=buyer.token)
    assert mine.status == 200 and mine.json["email"] == buyer.email and mine.json["roles"] == ["buyer"]
