"""Proves that every status code the contract documents for each operation is reachable over HTTP, and
answered as the contract's problem document (2xx, 400, 401, 403, 404, 409, 422)."""

from __future__ import annotations

import time

import pytest
from proof_support import (
    UNKNOWN_ID,
    assert_problem,
    card,
    future,
    hold,
    require_route,
    send_webhook,
)

MALFORMED = "{not json"


@pytest.fixture(scope="module")
def world(api, make_account, event_factory):
    """Two buyers, an event with one general place left for a conflict, and an order of the first buyer."""
    event = event_factory(capacity=3, seats=2, stock=2)
    owner, stranger = make_account(), make_account()
    order = hold(api, owner.token, event, quantity=1)
    return {"event": event, "owner": owner, "stranger": stranger, "order": order}


def test_sign_up_and_token(api, make_account):
    account = make_account()
    assert_problem(
        api.post(
            "/users",
            json={"email": account.email, "password": "Xyz-12345!a", "name": "A", "cpf": "52998224725"},
        ),
        409,
        "email-taken",
    )
    bad_cpf = assert_problem(
        api.post(
            "/users",
            json={"email": "x@example.com", "password": "Xyz-12345!a", "name": "A", "cpf": "12345678900"},
        ),
        422,
        "validation",
    )
    assert bad_cpf["errors"][0]["field"] == "cpf"
    assert_problem(
        api.post("/users", raw=MALFORMED, headers={"Content-Type": "application/json"}), 400, "malformed"
    )
    assert api.post("/auth/token", json={"email": account.email, "password": account.password}).status == 200
    assert_problem(api.post("/auth/token", json={"email": account.email, "password": "wrong-Pass1!"}), 401)
    assert_problem(api.post("/auth/token", json={"refresh_token": "nope"}), 401)
    me = api.get("/users/me", token=account.token)
    assert me.status == 200 and me.json["email"] == account.email and me.json["roles"] == ["buyer"]
    assert_problem(api.get("/users/me"), 401, "unauthorized")


def test_catalog_codes(api, organizer_token, world):
    event, buyer = world["event"], world["owner"]
    assert api.get("/events").status == 200
    assert_problem(api.get("/events?limit=abc"), 422, "validation")
    assert_problem(api.get("/events?limit=201"), 422, "validation")
    assert api.get(f"/events/{event['id']}").status == 200
    assert_problem(api.get(f"/events/{UNKNOWN_ID}"), 404, "not-found")
    seats = f"/events/{event['id']}/sectors/{event['seated']['id']}/seats"
    assert api.get(seats).status == 200
    assert_problem(api.get(f"/events/{event['id']}/sectors/{UNKNOWN_ID}/seats"), 404, "not-found")
    assert api.get(f"/products?event_id={event['id']}").status == 200

    body = {"name": "Novo", "venue": "Lugar", "starts_at": future()}
    assert_problem(api.post("/events", json=body), 401, "unauthorized")
    assert_problem(api.post("/events", json=body, token=buyer.token), 403, "forbidden")
    assert_problem(api.post("/events", json={**body, "starts_at": "yesterday"}, token=organizer_token), 422)
    assert_problem(
        api.post(
            "/events", raw=MALFORMED, headers={"Content-Type": "application/json"}, token=organizer_token
        ),
        400,
        "malformed",
    )
    created = api.post("/events", json=body, token=organizer_token)
    assert created.status == 201 and created.json["status"] == "draft"

    patch = f"/events/{created.json['id']}"
    assert_problem(api.patch(patch, json={"status": "closed"}), 401)
    assert_problem(api.patch(patch, json={"status": "closed"}, token=buyer.token), 403, "forbidden")
    assert_problem(api.patch(patch, json={"status": "nonsense"}, token=organizer_token), 422, "validation")
    assert_problem(api.patch(f"/events/{UNKNOWN_ID}", json={"status": "closed"}, token=organizer_token), 404)
    assert api.patch(patch, json={"name": "Renomeado"}, token=organizer_token).status == 200

    sector = {"name": "Camarote", "kind": "general", "price_cents": 1000, "capacity": 5}
    sectors = f"/events/{created.json['id']}/sectors"
    assert_problem(api.post(sectors, json=sector), 401)
    assert_problem(api.post(sectors, json=sector, token=buyer.token), 403)
    assert_problem(
        api.post(sectors, json={**sector, "capacity": -1}, token=organizer_token), 422, "validation"
    )
    assert_problem(api.post(f"/events/{UNKNOWN_ID}/sectors", json=sector, token=organizer_token), 404)
    assert api.post(sectors, json=sector, token=organizer_token).status == 201

    product = {"name": "Camiseta", "price_cents": 5000, "stock": 3}
    assert_problem(api.post("/products", json=product), 401)
    assert_problem(api.post("/products", json=product, token=buyer.token), 403)
    assert_problem(api.post("/products", json={**product, "price_cents": -5}, token=organizer_token), 422)
    assert api.post("/products", json=product, token=organizer_token).status == 201


def test_order_codes(api, world, make_account):
    event, owner, stranger, order = world["event"], world["owner"], world["stranger"], world["order"]
    line = {"event_id": event["id"], "tickets": [{"sector_id": event["general"]["id"], "quantity": 1}]}
    assert_problem(api.post("/orders", json=line), 401, "unauthorized")
    assert_problem(
        api.post(
            "/orders", json={**line, "tickets": [{**line["tickets"][0], "quantity": -1}]}, token=owner.token
        ),
        422,
        "validation",
    )
    assert_problem(
        api.post("/orders", raw=MALFORMED, headers={"Content-Type": "application/json"}, token=owner.token),
        400,
        "malformed",
    )
    assert_problem(api.post("/orders", json={**line, "event_id": UNKNOWN_ID}, token=owner.token), 404)
    big = {**line, "tickets": [{"sector_id": event["general"]["id"], "quantity": 5}]}
    assert_problem(api.post("/orders", json=big, token=stranger.token), 409, "sold-out")
    seat = {
        "event_id": event["id"],
        "tickets": [{"sector_id": event["seated"]["id"], "seat_id": event["seats"][0]["id"]}],
    }
    assert api.post("/orders", json=seat, token=stranger.token).status == 201
    assert_problem(api.post("/orders", json=seat, token=owner.token), 409, "seat-unavailable")
    many = {**line, "products": [{"product_id": event["product"]["id"], "quantity": 3}]}
    assert_problem(api.post("/orders", json=many, token=owner.token), 409, "out-of-stock")
    assert_problem(
        api.post(
            "/orders", json={**line, "tickets": [{**line["tickets"][0], "quantity": 7}]}, token=owner.token
        ),
        409,
        "limit-exceeded",
    )
    key = {"Idempotency-Key": "codes-" + order["id"]}
    assert api.post("/orders", json=line, token=stranger.token, headers=key).status == 201
    assert_problem(
        api.post("/orders", json=seat, token=stranger.token, headers=key), 409, "idempotency-conflict"
    )

    assert api.get("/orders", token=owner.token).status == 200
    assert_problem(api.get("/orders"), 401)
    path = f"/orders/{order['id']}"
    assert api.get(path, token=owner.token).status == 200
    assert_problem(api.get(path), 401)
    assert_problem(api.get(path, token=stranger.token), 404, "not-found")
    assert_problem(api.get(f"/orders/{UNKNOWN_ID}", token=owner.token), 404)
    assert_problem(api.get("/orders/not-a-uuid", token=owner.token), 404)

    products = {"products": [{"product_id": event["product"]["id"], "quantity": 1}]}
    assert_problem(api.put(f"{path}/products", json=products), 401)
    assert_problem(
        api.put(
            f"{path}/products", json={"products": [{"product_id": "x", "quantity": 1}]}, token=owner.token
        ),
        422,
    )
    assert_problem(api.put(f"{path}/products", json=products, token=stranger.token), 404)
    assert api.put(f"{path}/products", json=products, token=owner.token).status == 200

    assert_problem(api.post(f"{path}/cancel"), 401)
    assert_problem(api.post(f"{path}/cancel", token=stranger.token), 404)
    assert api.post(f"{path}/cancel", token=owner.token).status == 200
    assert_problem(api.post(f"{path}/cancel", token=owner.token), 409, "invalid-state")
    assert_problem(api.put(f"{path}/products", json=products, token=owner.token), 409, "invalid-state")


def test_organizer_desk_and_report_codes(api, organizer_token, world):
    event, buyer = world["event"], world["owner"]
    for suffix in ("orders", "report"):
        path = f"/events/{event['id']}/{suffix}"
        if suffix == "report":
            require_route(api, "GET", "/events/{event_id}/report")
        assert api.get(path, token=organizer_token).status == 200
        assert_problem(api.get(path), 401)
        assert_problem(api.get(path, token=buyer.token), 403, "forbidden")
        assert_problem(api.get(f"/events/{UNKNOWN_ID}/{suffix}", token=organizer_token), 404)
    assert_problem(api.get(f"/events/{event['id']}/orders?status=bogus", token=organizer_token), 422)


def test_payment_and_webhook_codes(api, world, event_factory, webhook_secret):
    require_route(api, "POST", "/orders/{order_id}/payments")
    event, owner, stranger = event_factory(), world["owner"], world["stranger"]
    order = hold(api, owner.token, event)
    path = f"/orders/{order['id']}/payments"
    assert_problem(api.post(path, json={"method": "pix"}), 401)
    assert_problem(api.post(path, json={"method": "cheque"}, token=owner.token), 422, "validation")
    assert_problem(
        api.post(path, json={"method": "card", "card": card("4111111111111112")}, token=owner.token), 422
    )
    assert_problem(api.post(path, json={"method": "pix"}, token=stranger.token), 404)
    pending = api.post(path, json={"method": "pix"}, token=owner.token)
    assert pending.status == 201 and pending.json["status"] == "pending"
    assert_problem(api.post(path, json={"method": "boleto"}, token=owner.token), 409, "invalid-state")

    assert send_webhook(api, webhook_secret, pending.json["id"], "approved").status == 200
    assert_problem(send_webhook(api, webhook_secret, UNKNOWN_ID, "approved"), 404)
    assert_problem(send_webhook(api, webhook_secret, pending.json["id"], "maybe"), 422)
    assert_problem(send_webhook(api, "wrong-secret", pending.json["id"], "approved"), 401, "unauthorized")


def _paid_order(api, token, event) -> dict:
    order = hold(api, token, event)
    paid = api.post(f"/orders/{order['id']}/payments", token=token, json={"method": "card", "card": card()})
    assert paid.status == 201 and paid.json["status"] == "approved", paid.text
    return order


def test_after_payment_codes(api, runtime, organizer_token, world, event_factory):
    require_route(api, "POST", "/orders/{order_id}/payments")
    event, owner, stranger = event_factory(), world["owner"], world["stranger"]
    order = _paid_order(api, owner.token, event)
    unpaid = hold(api, owner.token, event)

    require_route(api, "GET", "/orders/{order_id}/tickets")
    require_route(api, "GET", "/orders/{order_id}/invoice")
    tickets_path, invoice_path = f"/orders/{order['id']}/tickets", f"/orders/{order['id']}/invoice"
    assert_problem(api.get(f"/orders/{unpaid['id']}/invoice", token=owner.token), 404)
    deadline = time.monotonic() + 20  # tickets and invoice follow the paid-orders topic asynchronously
    while (invoice := api.get(invoice_path, token=owner.token)).status == 404 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert invoice.status == 200, invoice.text
    tickets = api.get(tickets_path, token=owner.token)
    assert tickets.status == 200 and len(tickets.json["items"]) == 1, tickets.text
    for path in (tickets_path, invoice_path):
        assert_problem(api.get(path), 401)
        assert_problem(api.get(path, token=stranger.token), 404)

    require_route(api, "POST", "/checkins")
    code = tickets.json["items"][0]["code"]
    assert_problem(api.post("/checkins", json={"code": code}), 401)
    assert_problem(api.post("/checkins", json={"code": code}, token=owner.token), 403)
    assert_problem(api.post("/checkins", json={"code": ""}, token=organizer_token), 422)
    assert_problem(api.post("/checkins", json={"code": "no-such-code"}, token=organizer_token), 404)
    assert_problem(
        api.post("/checkins", json={"code": code, "event_id": world["event"]["id"]}, token=organizer_token),
        409,
        "wrong-event",
    )
    assert api.post("/checkins", json={"code": code}, token=organizer_token).status == 200
    assert_problem(
        api.post("/checkins", json={"code": code}, token=organizer_token), 409, "already-checked-in"
    )

    require_route(api, "POST", "/orders/{order_id}/refund")
    refund = f"/orders/{order['id']}/refund"
    assert_problem(api.post(refund), 401)
    assert_problem(api.post(refund, token=owner.token), 403)
    assert_problem(api.post(f"/orders/{UNKNOWN_ID}/refund", token=organizer_token), 404)
    assert_problem(api.post(f"/orders/{unpaid['id']}/refund", token=organizer_token), 409, "invalid-state")
    assert api.post(refund, token=organizer_token).status == 200
    assert_problem(api.post(refund, token=organizer_token), 409, "invalid-state")


def test_a_body_that_is_not_utf8_is_malformed(api, world):
    answer = api.post(
        "/orders", raw=b"\xff\xfe{", headers={"Content-Type": "application/json"}, token=world["owner"].token
    )
    assert_problem(answer, 400, "malformed")
