"""Catalog and orders through the local runtime (HTTP events in, JSON out)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from http_problems import assert_problem, refused_field

from localrun.testing import ApiClient, general_and_seated_on_sale, general_or_seat, post_order


@pytest.fixture
def on_sale(api, organizer_token):
    """An event on sale: general sector (capacity given), seated sector (rows given), one add-on."""

    def create(capacity: int = 100, rows: list | None = None, stock: int | None = 20, **fields) -> dict:
        made = general_and_seated_on_sale(
            api,
            organizer_token,
            general=(12000, capacity),
            seated=(25001, rows or [{"row": "B", "seats": 12}]),
            add_on={"name": "Refri", "price_cents": 700, "stock": stock},
            name="Festival",
            venue="Parque",
            **fields,
        )
        assert made["event"]["status"] == "draft" and made["event"]["timezone"] == "America/Sao_Paulo"
        return made

    return create


def test_public_catalog_reads(api, on_sale):
    ev = on_sale()
    listed = api.get("/events?limit=200").json
    assert ev["id"] in [e["id"] for e in listed["items"]]
    detail = api.get(f"/events/{ev['id']}").json
    seated = next(s for s in detail["sectors"] if s["kind"] == "seated")
    assert seated == {
        **seated,
        "capacity": 12,
        "available": 12,
        "price_cents": 25001,
        "half_price_cents": 12500,
        "half_quota": 4,
    }
    seat = ev["seats"][11]
    assert (seat["row"], seat["number"], seat["label"], seat["status"]) == ("B", 12, "B-12", "available")
    products = api.get(f"/products?event_id={ev['id']}").json
    assert products["next_cursor"] is None
    # The organizer's global add-ons (made by other tests) are listed too: find this event's own.
    own = [p for p in products["items"] if p["id"] == ev["product"]["id"]]
    assert len(own) == 1 and {"available": 20, "price_cents": 700}.items() <= own[0].items(), products
    assert_problem(api.get("/events/00000000-0000-4000-8000-000000000000"), 404, "not-found")


def test_drafts_are_visible_only_to_their_organizer(api, organizer_token, new_buyer):
    starts = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    draft = api.post(
        "/events", token=organizer_token, json={"name": "Rascunho", "venue": "X", "starts_at": starts}
    ).json
    assert api.get(f"/events/{draft['id']}").status == 404
    assert api.get(f"/events/{draft['id']}", token=new_buyer().token).status == 404
    assert api.get(f"/events/{draft['id']}", token=organizer_token).status == 200


def test_catalog_validation_names_the_field(api, organizer_token):
    past = {"name": "X", "venue": "Y", "starts_at": "2001-01-01T00:00:00Z"}
    assert refused_field(api.post("/events", token=organizer_token, json=past)) == "starts_at"
    blank = {"name": " ", "venue": "Y", "starts_at": "2031-01-01T00:00:00Z"}
    assert refused_field(api.post("/events", token=organizer_token, json=blank)) == "name"
    starts = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    eid = api.post(
        "/events", token=organizer_token, json={"name": "V", "venue": "Y", "starts_at": starts}
    ).json["id"]
    sectors = f"/events/{eid}/sectors"
    negative = {"name": "P", "kind": "general", "price_cents": -1, "capacity": 5}
    assert refused_field(api.post(sectors, token=organizer_token, json=negative)) == "price_cents"
    zero = {"name": "P", "kind": "general", "price_cents": 1, "capacity": 0}
    assert refused_field(api.post(sectors, token=organizer_token, json=zero)) == "capacity"
    seats = {"name": "S", "kind": "seated", "price_cents": 1, "rows": [{"row": "A", "seats": 5000}]}
    assert refused_field(api.post(sectors, token=organizer_token, json=seats)) == "rows[0].seats"
    assert_problem(
        api.patch(f"/events/{eid}", token=organizer_token, json={"status": "on_sale"}), 409, "invalid-state"
    )


def test_another_organizer_gets_404_on_my_event(api, on_sale, new_buyer):
    ev = on_sale()
    buyer = new_buyer()
    assert_problem(
        api.patch(f"/events/{ev['id']}", token=buyer.token, json={"status": "closed"}), 403, "forbidden"
    )


def test_hold_read_change_cancel_through_http(api, on_sale, new_buyer):
    ev = on_sale(service_fee_percent=10)
    buyer = new_buyer()
    half_seat = {
        "sector_id": ev["seated"]["id"],
        "seat_id": ev["seats"][0]["id"],
        "type": "half",
        "half_category": "student",
    }
    order = post_order(
        api,
        buyer.token,
        ev["id"],
        [{"sector_id": ev["general"]["id"], "quantity": 2}, half_seat],
        products=[{"product_id": ev["product"]["id"], "quantity": 2}],
    )
    assert order.status == 201, order.text
    body = order.json
    assert body["status"] == "reserved"
    assert body["tickets_cents"] == 2 * 12000 + 12500
    assert body["fee_cents"] == 2 * 1200 + 1250
    assert body["total_cents"] == body["tickets_cents"] + body["fee_cents"] + 1400
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15, seconds=5)
    assert api.get(f"/orders/{body['id']}", token=buyer.token).json == body
    assert body["id"] in [o["id"] for o in api.get("/orders", token=buyer.token).json["items"]]
    seat = next(
        s
        for s in api.get(f"/events/{ev['id']}/sectors/{ev['seated']['id']}/seats").json["items"]
        if s["id"] == ev["seats"][0]["id"]
    )
    assert seat["status"] == "held"

    changed = api.put(f"/orders/{body['id']}/products", token=buyer.token, json={"products": []})
    assert changed.status == 200 and changed.json["products_cents"] == 0
    cancelled = api.post(f"/orders/{body['id']}/cancel", token=buyer.token)
    assert cancelled.status == 200 and cancelled.json["status"] == "cancelled"
    assert_problem(api.post(f"/orders/{body['id']}/cancel", token=buyer.token), 409, "invalid-state")
    assert api.get(f"/events/{ev['id']}").json["sectors"][0]["available"] == 100


def test_order_errors_are_typed_problems(api, on_sale, new_buyer):
    ev = on_sale(capacity=2, stock=1)
    buyer = new_buyer()

    def hold(tickets, products=None, token=None):
        return api.post(
            "/orders",
            token=token or buyer.token,
            json={"event_id": ev["id"], "tickets": tickets, "products": products or []},
        )

    assert hold([{"sector_id": ev["seated"]["id"], "seat_id": ev["seats"][3]["id"]}]).status == 201
    assert_problem(
        hold([{"sector_id": ev["seated"]["id"], "seat_id": ev["seats"][3]["id"]}], token=new_buyer().token),
        409,
        "seat-unavailable",
    )
    assert_problem(hold([{"sector_id": ev["general"]["id"], "quantity": 3}]), 409, "sold-out")
    assert_problem(
        hold(
            [{"sector_id": ev["general"]["id"], "quantity": 1}],
            [{"product_id": ev["product"]["id"], "quantity": 2}],
        ),
        409,
        "out-of-stock",
    )
    over = assert_problem(
        hold([{"sector_id": ev["seated"]["id"], "seat_id": s["id"]} for s in ev["seats"][4:11]]),
        409,
        "limit-exceeded",
    )
    assert "6" in over["detail"]
    bad = assert_problem(hold([{"sector_id": ev["general"]["id"], "quantity": -1}]), 422, "validation")
    assert bad["errors"][0]["field"] == "tickets[0].quantity"
    kind = assert_problem(
        hold([{"sector_id": ev["general"]["id"], "quantity": 1, "type": "vip"}]), 422, "validation"
    )
    assert kind["errors"][0]["field"] == "tickets[0].type"
    category = assert_problem(
        hold(
            [{"sector_id": ev["general"]["id"], "quantity": 1, "type": "half", "half_category": "astronaut"}]
        ),
        422,
        "validation",
    )
    assert category["errors"][0]["field"] == "tickets[0].half_category"
    assert_problem(
        api.post(
            "/orders",
            token=buyer.token,
            json={
                "event_id": "00000000-0000-4000-8000-000000000000",
                "tickets": [{"sector_id": ev["general"]["id"]}],
            },
        ),
        404,
        "not-found",
    )
    assert_problem(
        api.post("/orders", token=buyer.token, raw=b"[1,2", headers={"content-type": "application/json"}),
        400,
        "malformed",
    )
    assert_problem(api.post("/orders", json={"event_id": ev["id"], "tickets": []}), 401, "unauthorized")


def test_another_buyer_gets_404_and_the_organizer_sees_the_order(api, on_sale, new_buyer, organizer_token):
    ev = on_sale()
    buyer = new_buyer()
    order = post_order(api, buyer.token, ev["id"], [{"sector_id": ev["general"]["id"], "quantity": 1}]).json
    stranger = new_buyer()
    for response in (
        api.get(f"/orders/{order['id']}", token=stranger.token),
        api.post(f"/orders/{order['id']}/cancel", token=stranger.token),
        api.put(f"/orders/{order['id']}/products", token=stranger.token, json={"products": []}),
    ):
        assert_problem(response, 404, "not-found")
    assert api.get(f"/orders/{order['id']}", token=organizer_token).status == 200
    desk = api.get(f"/events/{ev['id']}/orders?email={buyer.email}", token=organizer_token)
    assert desk.status == 200
    assert [o["id"] for o in desk.json["items"]] == [order["id"]]
    assert desk.json["items"][0]["buyer"]["email"] == buyer.email
    assert_problem(api.get(f"/events/{ev['id']}/orders", token=buyer.token), 403, "forbidden")


def test_idempotency_key_over_http(api, on_sale, new_buyer):
    ev = on_sale()
    buyer = new_buyer()
    body = {"event_id": ev["id"], "tickets": [{"sector_id": ev["general"]["id"], "quantity": 2}]}
    first = api.post("/orders", token=buyer.token, json=body, headers={"Idempotency-Key": "abc-1"})
    again = api.post("/orders", token=buyer.token, json=body, headers={"Idempotency-Key": "abc-1"})
    assert first.status == again.status == 201
    assert again.json == first.json
    assert_problem(
        api.post(
            "/orders",
            token=buyer.token,
            json={**body, "tickets": [{"sector_id": ev["general"]["id"], "quantity": 1}]},
            headers={"Idempotency-Key": "abc-1"},
        ),
        409,
        "idempotency-conflict",
    )
    assert api.get(f"/events/{ev['id']}").json["sectors"][0]["available"] == 98


@pytest.mark.parametrize("key", ["", "k" * 256, "tab\there"])
def test_an_idempotency_key_outside_its_bounds_is_422_naming_it(api, on_sale, new_buyer, key):
    ev = on_sale()
    body = {"event_id": ev["id"], "tickets": [{"sector_id": ev["general"]["id"], "quantity": 1}]}
    answer = api.post("/orders", token=new_buyer().token, json=body, headers={"Idempotency-Key": key})
    assert refused_field(answer).lower() == "idempotency-key"  # a header's name: any case
    assert api.get(f"/events/{ev['id']}").json["sectors"][0]["available"] == 100


def test_two_hundred_http_buyers_on_the_last_places_and_seats(api, runtime, on_sale, new_buyer):
    ev = on_sale(capacity=80, rows=[{"row": "C", "seats": 20}], max_tickets_per_order=10)
    for _ in range(3):  # one account per hold: an account's unpaid places are capped (contract v2)
        assert (
            api.post(
                "/orders",
                token=new_buyer().token,
                json={"event_id": ev["id"], "tickets": [{"sector_id": ev["general"]["id"], "quantity": 10}]},
            ).status
            == 201
        )
    buyers = [new_buyer() for _ in range(20)]
    start = threading.Barrier(16)

    def buy(i: int) -> int:
        client = ApiClient(runtime.base_url)
        try:
            if i < 16:
                start.wait()
            line = general_or_seat(ev, i, seats=20)
            response = client.post(
                "/orders", token=buyers[i % 20].token, json={"event_id": ev["id"], "tickets": [line]}
            )
            if response.status == 409:
                assert response.json["type"].rsplit("/", 1)[1] in {"sold-out", "seat-unavailable"}
            return response.status
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(buy, range(200)))
    assert set(statuses) <= {201, 409}
    assert statuses.count(201) == 50 + 20
    sectors = {s["kind"]: s for s in api.get(f"/events/{ev['id']}").json["sectors"]}
    assert sectors["general"]["available"] == 0 and sectors["seated"]["available"] == 0
