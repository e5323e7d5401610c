"""The API Gateway emulation without sockets: routing errors, authorizer, CORS, failures (fixture handlers)."""

import json
from pathlib import Path

import pytest

from localrun.functions import read_functions
from localrun.gateway import CorsPolicy, Gateway
from localrun.routes import cors_configuration, routes_from_template
from localrun.template import load_template
from ticketing.errors import Unauthorized

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "localrun" / "template.yaml"
ALLOWED = "http://allowed.example"
CLAIMS = {"sub": "u1", "cognito:groups": ["organizer"], "exp": 1764075600, "token_use": "access"}


def check_token(token: str) -> dict:
    if token != "good-token":
        raise Unauthorized("bad token")
    return CLAIMS


@pytest.fixture(scope="module")
def gateway() -> Gateway:
    template = load_template(FIXTURE)
    functions = read_functions(template, FIXTURE.parent, "unit")
    for function in functions.values():
        function.module_prefix = "localrun_unit_gateway"
    cors = CorsPolicy.from_configuration([ALLOWED], cors_configuration(template))
    return Gateway(routes_from_template(template), functions, cors, verify_token=check_token)


def call(gateway: Gateway, method: str, target: str, headers=(), body=b""):
    return gateway.handle(method, target, list(headers), body, "127.0.0.1")


def problem_of(response) -> dict:
    assert response.header("content-type") == "application/problem+json"
    return json.loads(response.body)


def test_unknown_path_is_a_404_problem_and_a_wrong_method_a_405(gateway):
    missing = call(gateway, "GET", "/nowhere")
    assert missing.status == 404
    assert problem_of(missing)["type"] == "https://ticketing.example.com/problems/not-found"
    assert set(problem_of(missing)) >= {"type", "title", "status", "detail"}
    wrong = call(gateway, "DELETE", "/echo")
    assert wrong.status == 405 and problem_of(wrong)["status"] == 405
    assert wrong.header("allow") == "GET, POST"


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bad-token", "Bearer bad-token", "Bearer a.b.c"],
)
def test_protected_routes_refuse_without_a_valid_bearer_token(gateway, authorization):
    headers = [("Authorization", authorization)] if authorization is not None else []
    response = call(gateway, "GET", "/private/echo", headers)
    assert response.status == 401
    body = problem_of(response)
    assert body["type"] == "https://ticketing.example.com/problems/unauthorized"
    assert body["message"] == "Unauthorized"


def test_a_valid_token_reaches_the_function_with_stringified_claims(gateway):
    response = call(gateway, "GET", "/private/echo", [("authorization", "bearer good-token")])
    assert response.status == 200
    event = json.loads(response.body)["event"]
    assert event["requestContext"]["authorizer"]["jwt"]["claims"] == {
        "sub": "u1",
        "cognito:groups": "[organizer]",
        "exp": "1764075600",
        "token_use": "access",
    }
    assert response.header("x-correlation-id") == event["requestContext"]["requestId"]


def test_public_routes_get_no_authorizer_even_with_a_token(gateway):
    response = call(gateway, "GET", "/echo", [("Authorization", "Bearer good-token")])
    assert "authorizer" not in json.loads(response.body)["event"]["requestContext"]


def test_a_raising_function_is_a_500_problem(gateway, caplog):
    response = call(gateway, "GET", "/boom")
    assert response.status == 500
    assert problem_of(response)["status"] == 500
    assert "the fixture handler failed on purpose" in caplog.text


def test_cors_preflight_and_responses_for_allowed_origins_only(gateway):
    preflight = call(
        gateway, "OPTIONS", "/echo", [("Origin", ALLOWED), ("Access-Control-Request-Method", "POST")]
    )
    assert preflight.status == 204
    assert preflight.header("access-control-allow-origin") == ALLOWED
    assert preflight.header("access-control-allow-methods") == "GET,POST"
    assert preflight.header("access-control-allow-headers") == "authorization,content-type"
    assert preflight.header("access-control-max-age") == "300"

    denied = call(
        gateway,
        "OPTIONS",
        "/echo",
        [("Origin", "http://evil.example"), ("Access-Control-Request-Method", "GET")],
    )
    assert not [n for n, _ in denied.headers if n.lower().startswith("access-control-")]

    allowed = call(gateway, "GET", "/echo", [("Origin", ALLOWED)])
    assert allowed.header("access-control-allow-origin") == ALLOWED
    assert allowed.header("access-control-expose-headers") == "location"
    # the fixture handler sets "access-control-allow-origin: *": API Gateway's configuration wins
    other = call(gateway, "GET", "/echo", [("Origin", "http://evil.example")])
    assert not [n for n, _ in other.headers if n.lower().startswith("access-control-")]
