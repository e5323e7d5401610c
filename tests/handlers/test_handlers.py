"""Each API function's handler, called with an API Gateway event against a patched service."""

from __future__ import annotations

import json
import os

import pytest
from handler_calls import BUYER, FUNCTIONS, ORGANIZER, call, load_function

from ticketing.config import reload_settings
from ticketing.errors import NotFound, SeatUnavailable, ServiceUnavailable
from ticketing.http import ROLES, auth_statuses
from ticketing.openapi import merged_spec
from ticketing.problems import PROBLEM_BASE, PROBLEM_JSON
from ticketing.responses import PROBLEMS
from ticketing.services.orders import Held
from ticketing.services.payments import PaymentStarted
from ticketing.webhook import forget_secret, sign

ORDER_ID = "7d7e6f1e-2f6e-4a8e-9b7f-3c2d1e0f9a8b"
EVENT_ID = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
ORDER_BODY = {"event_id": EVENT_ID, "tickets": [{"sector_id": EVENT_ID, "quantity": 2}]}
ORDER = {"id": ORDER_ID, "status": "reserved"}


def api_functions() -> list[str]:
    return sorted(
        str(path.parent.relative_to(FUNCTIONS))
        for path in FUNCTIONS.glob("*/*/app.py")
        if "@route(" in path.read_text()
    )


def declarations(name: str) -> list:
    module = load_function(name)
    routes = module.app._static_routes + module.app._dynamic_routes
    return [route.func.declaration for route in routes if hasattr(route.func, "declaration")]


@pytest.mark.parametrize("name", api_functions())
def test_a_routes_documented_401_and_403_follow_its_role(name):
    found = declarations(name)
    assert found, f"{name} declares no route"
    spec = json.loads(merged_spec(str(FUNCTIONS)))
    for declaration in found:
        access = ROLES[declaration.role]
        operation = (
            spec["paths"]
            .get(declaration.path.replace("<", "{").replace(">", "}"), {})
            .get(declaration.method.lower())
        )
        if operation is None:  # left out of the document (GET /openapi.json)
            continue
        documented = {int(code) for code in operation["responses"]}
        if access.signed_in:
            assert 401 in documented, (name, declaration)
            assert operation.get("security") == [{"bearerAuth": []}], (name, declaration)
        else:
            assert "security" not in operation, (name, declaration)
        if access.group:
            assert 403 in documented, (name, declaration)
        # A 401 or 403 the role does not explain is the route's own, and says why (e.g. a bad signature).
        for code in {401, 403} & documented - auth_statuses(declaration.role):
            assert operation["responses"][str(code)]["description"] != PROBLEMS[code][0], (name, code)
        assert documented == declaration.documented_statuses, (name, declaration)
        if "{" in declaration.path or "<" in declaration.path:  # an id in the path may name nothing
            assert 404 in documented, (name, declaration)


def test_the_success_body_is_the_handlers_return_annotation():
    from ticketing.responses import Order

    (declaration,) = declarations("orders/get_order")
    assert declaration.body is Order
    module = load_function("orders/get_order")
    assert "return" not in module.get_order.__wrapped__.__annotations__  # Powertools must not serialize it


def test_a_handler_whose_caller_disagrees_with_its_role_fails_at_import():
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    from ticketing.auth import Caller
    from ticketing.routes import route

    app = APIGatewayHttpResolver(enable_validation=True)
    with pytest.raises(TypeError, match="organizer route takes `caller: Caller`"):

        @route(app, "GET /mixed-up", role="organizer")
        def mixed_up(caller: Caller | None):
            return {}


def test_auth_is_answered_before_validation():
    create_order = load_function("orders/create_order")
    status, _, problem = call(create_order, "POST", "/orders", body={"tickets": "many"})
    assert (status, problem["type"]) == (401, PROBLEM_BASE + "unauthorized")

    create_event = load_function("catalog/create_event")
    status, _, problem = call(create_event, "POST", "/events", body={}, claims=BUYER)
    assert (status, problem["type"]) == (403, PROBLEM_BASE + "forbidden")
    status, _, problem = call(create_event, "POST", "/events", raw_body=b"{not json", claims=BUYER)
    assert status == 403
    status, _, problem = call(create_event, "POST", "/events", raw_body=b"\xff\xfe", claims=None)
    assert status == 401

    status, _, problem = call(create_event, "POST", "/events", body={"name": "Show"}, claims=ORGANIZER)
    assert status == 422
    assert problem["type"] == PROBLEM_BASE + "validation"
    assert {"venue", "starts_at"} <= {error["field"] for error in problem["errors"]}


def test_malformed_json_and_non_utf8_bodies_are_400_for_an_allowed_caller():
    create_order = load_function("orders/create_order")
    status, headers, problem = call(create_order, "POST", "/orders", raw_body=b"{not json", claims=BUYER)
    assert (status, problem["type"]) == (400, PROBLEM_BASE + "malformed")
    assert headers["content-type"] == PROBLEM_JSON
    status, _, problem = call(create_order, "POST", "/orders", raw_body=b'{"a": "\xff"}', claims=BUYER)
    assert (status, problem["type"]) == (400, PROBLEM_BASE + "malformed")


def test_a_hold_is_201_with_the_order_and_the_caller_handed_over(patched):
    create_order = load_function("orders/create_order")
    calls = patched(create_order.orders, "hold_order", Held(order=ORDER, replayed=False))
    status, headers, body = call(
        create_order, "POST", "/orders", body=ORDER_BODY, claims=BUYER, headers={"Idempotency-Key": "k-1"}
    )
    assert (status, body) == (201, ORDER)
    assert headers["content-type"] == "application/json"
    assert headers["x-correlation-id"] == "req-123"
    (caller, order_in, key, admission), _ = calls[0]
    assert (caller.sub, str(order_in.event_id), key, admission) == (BUYER["sub"], EVENT_ID, "k-1", None)


def test_a_hold_hands_the_admission_token_over(patched):
    create_order = load_function("orders/create_order")
    calls = patched(create_order.orders, "hold_order", Held(order=ORDER, replayed=False))
    status, _, _ = call(
        create_order,
        "POST",
        "/orders",
        body=ORDER_BODY,
        claims=BUYER,
        headers={"X-Admission-Token": "q1.a.b"},
    )
    assert status == 201
    (_, _, _, admission), _ = calls[0]
    assert admission == "q1.a.b"


def test_a_replayed_hold_answers_the_first_orders_201(patched):
    create_order = load_function("orders/create_order")
    patched(create_order.orders, "hold_order", Held(order=ORDER, replayed=True))
    status, _, body = call(create_order, "POST", "/orders", body=ORDER_BODY, claims=BUYER)
    assert (status, body) == (201, ORDER)


def test_a_payment_is_201(patched):
    create_payment = load_function("payments/create_payment")
    payment = {"id": ORDER_ID, "status": "pending"}
    patched(create_payment.payments, "create_payment", PaymentStarted(payment=payment, replayed=False))
    status, _, body = call(
        create_payment,
        "POST",
        f"/orders/{ORDER_ID}/payments",
        route="/orders/{order_id}/payments",
        body={"method": "pix"},
        claims=BUYER,
    )
    assert (status, body) == (201, payment)


@pytest.mark.parametrize(
    ("error", "status", "name"),
    [
        (SeatUnavailable("Seat A1 is taken"), 409, "seat-unavailable"),
        (NotFound("No such event"), 404, "not-found"),
        (ServiceUnavailable("The database is busy"), 503, "unavailable"),
    ],
)
def test_domain_errors_become_their_problem(patched, error, status, name):
    create_order = load_function("orders/create_order")
    patched(create_order.orders, "hold_order", error)
    answer, headers, problem = call(create_order, "POST", "/orders", body=ORDER_BODY, claims=BUYER)
    assert answer == status
    assert headers["content-type"] == PROBLEM_JSON
    assert problem == {
        "type": PROBLEM_BASE + name,
        "title": error.title,
        "status": status,
        "detail": error.detail,
    }


def test_an_unexpected_error_is_a_500_problem_without_details(patched):
    get_order = load_function("orders/get_order")
    patched(get_order.orders, "get_order", RuntimeError("password=secret"))
    status, headers, problem = call(
        get_order, "GET", f"/orders/{ORDER_ID}", route="/orders/{order_id}", claims=BUYER
    )
    assert status == 500
    assert headers["content-type"] == PROBLEM_JSON
    assert "secret" not in json.dumps(problem)


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("limit=201", "limit"), ("limit=many", "limit")],
)
def test_paging_parameters_are_checked_as_422_naming_the_field(patched, query, field):
    list_orders = load_function("orders/list_orders")
    patched(list_orders.orders, "list_orders", {"items": [], "next_cursor": None})
    status, _, problem = call(list_orders, "GET", "/orders", query=query, claims=BUYER)
    assert status == 422
    assert [error["field"] for error in problem["errors"]] == [field]


def test_query_parameters_reach_the_service_typed(patched):
    list_event_orders = load_function("orders/list_event_orders")
    calls = patched(list_event_orders.orders, "list_event_orders", {"items": [], "next_cursor": None})
    path = f"/events/{EVENT_ID}/orders"
    status, _, _ = call(
        list_event_orders,
        "GET",
        path,
        route="/events/{event_id}/orders",
        query="status=paid&limit=200",
        claims=ORGANIZER,
    )
    assert status == 200
    (caller, event_id, order_status, email, limit, cursor), _ = calls[0]
    assert (event_id, order_status, email, limit, cursor) == (EVENT_ID, "paid", None, 200, None)
    status, _, problem = call(
        list_event_orders,
        "GET",
        path,
        route="/events/{event_id}/orders",
        query="status=lost",
        claims=ORGANIZER,
    )
    assert status == 422 and problem["errors"][0]["field"] == "status"


def test_list_events_takes_a_known_status_only(patched):
    list_events = load_function("catalog/list_events")
    patched(list_events.catalog, "list_events", {"items": [], "next_cursor": None})
    assert call(list_events, "GET", "/events", query="status=closed")[0] == 200
    status, _, problem = call(list_events, "GET", "/events", query="status=gone")
    assert status == 422 and problem["errors"][0]["field"] == "status"


def test_a_public_route_gets_an_anonymous_caller_or_the_signed_in_one(patched):
    get_event = load_function("catalog/get_event")
    calls = patched(get_event.catalog, "get_event", {"id": EVENT_ID})
    route = "/events/{event_id}"
    assert call(get_event, "GET", f"/events/{EVENT_ID}", route=route)[:1] == (200,)
    assert call(get_event, "GET", f"/events/{EVENT_ID}", route=route, claims=BUYER)[0] == 200
    assert calls[0][0] == (EVENT_ID, None)
    assert calls[1][0][1].sub == BUYER["sub"]


def get_report(module, event_id: str = EVENT_ID, csv: bool = False):
    """GET /events/{id}/report from the event_report function as the organizer, as CSV when asked."""
    headers = {"accept": "text/csv"} if csv else None
    route = "/events/{event_id}/report"
    return call(module, "GET", f"/events/{event_id}/report", route=route, headers=headers, claims=ORGANIZER)


def test_the_report_comes_as_csv_when_asked(patched):
    event_report = load_function("reports/event_report")
    patched(event_report.reports, "event_report", {"event_id": EVENT_ID})
    patched(event_report.reports, "report_csv", "sector,sold\r\n")
    status, headers, body = get_report(event_report, csv=True)
    assert (status, body) == (200, "sector,sold\r\n")
    assert headers["content-type"].startswith("text/csv")
    assert headers["content-disposition"] == f'attachment; filename="report-{EVENT_ID}.csv"'
    status, headers, body = get_report(event_report)
    assert (status, body) == (200, {"event_id": EVENT_ID})


def test_an_unknown_route_is_a_404_problem():
    get_order = load_function("orders/get_order")
    status, _, problem = call(get_order, "GET", "/nowhere", claims=BUYER)
    assert (status, problem["type"]) == (404, PROBLEM_BASE + "not-found")


def test_the_webhook_checks_the_signature_before_the_body(monkeypatch, patched):
    monkeypatch.setenv("PAYMENT_WEBHOOK_SECRET", "handler-test-secret")
    reload_settings()
    try:
        payment_webhook = load_function("payments/payment_webhook")
        settled = patched(payment_webhook.payments, "settle_payment", {"payment_id": ORDER_ID})
        raw = json.dumps({"payment_id": ORDER_ID, "status": "approved"}).encode()
        status, _, problem = call(payment_webhook, "POST", "/payments/webhook", raw_body=raw)
        assert (status, problem["type"]) == (401, PROBLEM_BASE + "unauthorized")
        signed = {"X-Signature": sign(raw, "handler-test-secret")}
        status, _, body = call(payment_webhook, "POST", "/payments/webhook", raw_body=raw, headers=signed)
        assert (status, body) == (200, {"payment_id": ORDER_ID})
        assert settled[0][0] == (ORDER_ID, "approved")
    finally:
        monkeypatch.undo()  # the runtime's own secret again, if a runtime of this process set one
        reload_settings()
        forget_secret()  # or the cached test secret would sign for the in-process runtime's webhook


def test_the_api_pix_webhook_checks_its_own_signature_then_hands_the_batch_to_the_service(
    monkeypatch, patched
):
    from ticketing.webhook import forget_pix_secret

    original = os.environ.get("PIX_WEBHOOK_SECRET")
    monkeypatch.setenv("PIX_WEBHOOK_SECRET", "handler-pix-secret")
    reload_settings()
    forget_pix_secret()
    try:
        pix_webhook = load_function("payments/pix_webhook")
        received = patched(pix_webhook.pix_payments, "receive", {"results": []})
        notice = {
            "pix": [
                {
                    "endToEndId": "E" + "1" * 31,
                    "txid": "a" * 32,
                    "valor": "10.00",
                    "horario": "2026-11-25T12:00:00Z",
                }
            ]
        }
        raw = json.dumps(notice).encode()
        path = "/payments/pix/webhook/pix"
        # the v1 webhook's secret does not sign API Pix notices
        wrong = {"X-Signature": sign(raw, "handler-test-secret")}
        status, _, problem = call(pix_webhook, "POST", path, raw_body=raw, headers=wrong)
        assert (status, problem["type"]) == (401, PROBLEM_BASE + "unauthorized") and received == []
        bad = json.dumps({"pix": [{"endToEndId": "x"}]}).encode()
        status, _, problem = call(
            pix_webhook, "POST", path, raw_body=bad, headers={"X-Signature": sign(bad, "handler-pix-secret")}
        )
        assert status == 422 and received == []
        assert {"pix[0].endToEndId", "pix[0].valor", "pix[0].horario"} <= {
            e["field"] for e in problem["errors"]
        }
        signed = {"X-Signature": sign(raw, "handler-pix-secret")}
        status, _, body = call(pix_webhook, "POST", path, raw_body=raw, headers=signed)
        assert (status, body) == (200, {"results": []})
        assert received[0][0][0].pix[0].endToEndId == notice["pix"][0]["endToEndId"]
    finally:
        # the session's value back (the local runtime's functions read it), not merely unset
        if original is None:
            monkeypatch.delenv("PIX_WEBHOOK_SECRET")
        else:
            monkeypatch.setenv("PIX_WEBHOOK_SECRET", original)
        reload_settings()
        forget_pix_secret()


def test_every_api_route_is_declared_with_route():
    assert len(api_functions()) >= 25
    for path in FUNCTIONS.glob("*/*/app.py"):
        text = path.read_text()
        assert "@app." not in text, f"{path.parent.name} registers a route without route(...)"


def test_an_invocation_reads_its_own_event_while_another_instance_serves_another(monkeypatch):
    """The local runtime serves concurrent invocations of a function on separate imports of its app.py, in
    threads; Powertools keeps the current event on the resolver class. Here the second invocation runs
    inside the first one's service call, as a thread switch would interleave them."""
    first = load_function("reports/event_report", instance=1)
    second = load_function("reports/event_report", instance=2)
    other_event = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"
    seen = []

    def event_report(caller, event_id):
        seen.append(event_id)
        if len(seen) == 1:  # the first invocation is in its service call when the second one comes
            assert get_report(second, other_event)[0] == 200
        return {"event_id": event_id}

    monkeypatch.setattr(first.reports, "event_report", event_report)
    monkeypatch.setattr(first.reports, "report_csv", lambda report: "csv of " + report["event_id"])
    status, headers, body = get_report(first, csv=True)
    assert seen == [EVENT_ID, other_event]
    assert (status, body) == (200, f"csv of {EVENT_ID}")
