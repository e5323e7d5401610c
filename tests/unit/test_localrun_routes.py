"""Path matching as API Gateway does it, and routes read from a template."""

from pathlib import Path

from localrun.routes import MethodNotAllowed, Route, RouteMatch, RouteTable, routes_from_template
from localrun.template import load_template

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "localrun" / "template.yaml"


def table(*routes: tuple[str, str]) -> RouteTable:
    found = RouteTable()
    for method, path in routes:
        found.add(Route(method, path, function=f"{method} {path}", public=True))
    return found


def test_parameters_are_extracted_and_decoded():
    found = table(("GET", "/events/{event_id}/sectors/{sector_id}/seats")).match(
        "GET", "/events/e%201/sectors/s1/seats"
    )
    assert isinstance(found, RouteMatch)
    assert found.path_parameters == {"event_id": "e 1", "sector_id": "s1"}


def test_literal_segments_win_over_parameters_whatever_the_order():
    routes = table(("GET", "/events/{event_id}"), ("GET", "/events/mine"))
    assert routes.match("GET", "/events/mine").route.path == "/events/mine"
    assert routes.match("GET", "/events/42").route.path == "/events/{event_id}"


def test_unknown_paths_and_wrong_methods():
    routes = table(("GET", "/orders/{order_id}"), ("POST", "/orders"), ("GET", "/orders"))
    assert routes.match("GET", "/nowhere") is None
    assert routes.match("GET", "/orders/1/extra") is None
    assert routes.match("GET", "/orders/") is None
    assert routes.match("DELETE", "/orders") == MethodNotAllowed(("GET", "POST"))


def test_greedy_and_any():
    routes = table(("ANY", "/files/{proxy+}"), ("GET", "/files/readme"))
    assert routes.match("GET", "/files/readme").route.method == "GET"
    found = routes.match("PUT", "/files/a/b/c")
    assert found.route.method == "ANY" and found.path_parameters == {"proxy": "a/b/c"}
    assert routes.match("GET", "/files") is None


def test_template_routes_carry_their_authorizer():
    routes = {(r.method, r.path): r for r in routes_from_template(load_template(FIXTURE)).routes}
    assert set(routes) == {
        ("GET", "/echo"),
        ("POST", "/echo"),
        ("GET", "/private/echo"),
        ("GET", "/events/{event_id}/sectors/{sector_id}/seats"),
        ("GET", "/events/{event_id}/sectors/special/seats"),
        ("GET", "/boom"),
    }
    assert routes[("GET", "/echo")].public
    assert not routes[("GET", "/private/echo")].public
    assert routes[("GET", "/boom")].route_key == "GET /boom"
