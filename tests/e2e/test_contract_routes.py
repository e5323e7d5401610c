"""Every route of ../shared/CONTRACT.md is in template.yaml and in /openapi.json, with its method and auth.

Routes whose issue has not landed yet are listed in EXPECTED_MISSING; the test fails when a listed route
appears (shrink the list) and when an unlisted one is missing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT.parent / "shared" / "CONTRACT.md"

EXPECTED_MISSING: set[tuple[str, str]] = set()
META_ROUTES = {("GET", "/health"): True, ("GET", "/openapi.json"): True, ("GET", "/docs"): True}


class _TolerantLoader(yaml.SafeLoader):
    """Reads CloudFormation short tags (!Ref, !GetAtt, ...) as plain values."""


_TolerantLoader.add_multi_constructor(
    "!",
    lambda loader, suffix, node: (
        loader.construct_scalar(node)
        if isinstance(node, yaml.ScalarNode)
        else loader.construct_sequence(node)
        if isinstance(node, yaml.SequenceNode)
        else loader.construct_mapping(node)
    ),
)


def contract_routes() -> dict[tuple[str, str], bool]:
    """(method, path) → public?, from the tables of the contract."""
    routes: dict[tuple[str, str], bool] = {}
    for line in CONTRACT.read_text(encoding="utf-8").splitlines():
        line = line.replace("\\|", "/")  # escaped pipes inside a cell are not column breaks
        match = re.match(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/[^`? ]*)[^`]*`[^|]*\| ([^|]+)\|", line)
        if match:
            method, path, who = match.groups()
            key = (method, path)
            # The payment provider signs its calls (X-Signature) instead of sending a bearer token.
            routes[key] = routes.get(key, False) or who.strip().startswith(("public", "payment provider"))
    routes.update(META_ROUTES)
    return routes


def template_routes() -> dict[tuple[str, str], bool]:
    template = yaml.load((ROOT / "template.yaml").read_text(encoding="utf-8"), Loader=_TolerantLoader)  # noqa: S506 (SafeLoader subclass)
    routes: dict[tuple[str, str], bool] = {}
    for resource in template["Resources"].values():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in (resource.get("Properties", {}).get("Events") or {}).values():
            if event.get("Type") != "HttpApi":
                continue
            props = event["Properties"]
            public = (props.get("Auth") or {}).get("Authorizer") == "NONE"
            routes[(props["Method"].upper(), props["Path"])] = public
    return routes


def test_the_contract_lists_the_routes_this_test_expects():
    routes = contract_routes()
    assert ("POST", "/orders") in routes
    assert routes[("GET", "/events")] is True
    assert routes[("POST", "/orders")] is False
    assert set(routes) >= EXPECTED_MISSING


def test_every_contract_route_is_in_the_template_with_its_auth():
    declared = template_routes()
    for route, public in contract_routes().items():
        if route in EXPECTED_MISSING:
            assert route not in declared, f"{route} has landed: remove it from EXPECTED_MISSING"
            continue
        assert route in declared, f"{route} is missing from template.yaml"
        assert declared[route] == public, f"{route} should be {'public' if public else 'protected'}"


@pytest.mark.usefixtures("runtime")
def test_every_contract_route_is_in_the_openapi_document_with_its_auth(api):
    spec = api.get("/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for (method, path), public in contract_routes().items():
        if (method, path) in EXPECTED_MISSING or (method, path) in META_ROUTES:
            continue
        operation = spec["paths"].get(path, {}).get(method.lower())
        assert operation is not None, f"{method} {path} is missing from /openapi.json"
        secured = bool(operation.get("security"))
        assert secured != public, f"{method} {path}: security in the spec does not match the contract"


@pytest.mark.usefixtures("runtime")
def test_docs_page_is_swagger_ui_that_works_offline(api):
    page = api.get("/docs")
    assert page.status == 200
    assert "swagger-ui" in page.text.lower()
    # JS and CSS are inline: nothing is loaded from another host.
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', page.text)
    assert "SwaggerUIBundle" in page.text
