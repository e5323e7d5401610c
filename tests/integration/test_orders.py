"""Orders against the real PostgreSQL: all-or-nothing holds, no oversell under concurrency, lazy and
scheduled expiry, idempotency, ownership, quotas and limits."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from localrun.testing import general_or_seat
from ticketing import db
from ticketing.api.orders import OrderIn, ProductsIn
from ticketing.errors import (
    Conflict,
    HoldExpired,
    IdempotencyConflict,
    IdempotencyInProgress,
    InvalidState,
    LimitExceeded,
    NotFound,
    OutOfStock,
    SeatUnavailable,
    SoldOut,
    ValidationFailed,
)
from ticketing.services import catalog, orders


def order_in(event: dict, tickets: list[dict], products: list[dict] | None = None) -> OrderIn:
    return OrderIn(event_id=event["event"]["id"], tickets=tickets, products=products or [])


def general_seat_and_add_ons(
    event: dict, places: int, seat: int, add_ons: int, half: bool = False
) -> OrderIn:
    """`places` general places (half price when `half`), the seat numbered `seat` and `add_ons` of the
    event's add-on, in one order."""
    general = {"sector_id": event["general"]["id"], "quantity": places, **({"type": "half"} if half else {})}
    return order_in(
        event,
        [general, {"sector_id": event["seated"]["id"], "seat_id": event["seats"][seat]["id"]}],
        [{"product_id": event["product"]["id"], "quantity": add_ons}],
    )


def stored_status(order_id: str) -> str:
    return db.fetch_one("SELECT status FROM orders WHERE id = %s", (order_id,))["status"]


def expire_now(order_id: str) -> None:
    db.fetch_one(
        "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = %s RETURNING id", (order_id,)
    )


def test_hold_takes_tickets_and_add_ons_and_prices_them(make_event, new_user, sector_state):
    ev = make_event(service_fee_percent=10)
    order = orders.hold_order(new_user(), general_seat_and_add_ons(ev, 2, 0, 3, half=True)).order
    assert order["status"] == "reserved"
    assert order["tickets_cents"] == 2 * 5000 + 20000
    assert order["fee_cents"] == 2 * 500 + 2000
    assert order["products_cents"] == 3 * 1500
    assert order["total_cents"] == order["tickets_cents"] + order["fee_cents"] + order["products_cents"]
    assert sector_state(ev["event"]["id"], "Pista")["available"] == 98
    seat_status = {
        s["id"]: s["status"] for s in catalog.seat_map(ev["event"]["id"], ev["seated"]["id"], None)["items"]
    }
    assert seat_status[ev["seats"][0]["id"]] == "held"
    assert catalog.list_products(ev["event"]["id"], None)["items"][0]["available"] == 7


def test_a_failing_line_leaves_nothing_held(make_event, new_user, sector_state):
    ev = make_event(stock=2)
    with pytest.raises(OutOfStock):
        orders.hold_order(new_user(), general_seat_and_add_ons(ev, 3, 1, 5))
    assert sector_state(ev["event"]["id"], "Pista")["available"] == 100
    assert sector_state(ev["event"]["id"], "Plateia")["available"] == 10
    assert catalog.list_products(ev["event"]["id"], None)["items"][0]["available"] == 2
    assert (
        db.fetch_one("SELECT count(*) AS n FROM orders WHERE event_id = %s", (ev["event"]["id"],))["n"] == 0
    )


def test_typed_conflicts_and_validation_errors(make_event, new_user):
    ev = make_event(capacity=3)
    buyer = new_user()
    orders.hold_order(
        buyer, order_in(ev, [{"sector_id": ev["seated"]["id"], "seat_id": ev["seats"][0]["id"]}])
    )
    with pytest.raises(SeatUnavailable):
        orders.hold_order(
            new_user(), order_in(ev, [{"sector_id": ev["seated"]["id"], "seat_id": ev["seats"][0]["id"]}])
        )
    with pytest.raises(SoldOut):
        orders.hold_order(new_user(), order_in(ev, [{"sector_id": ev["general"]["id"], "quantity": 4}]))
    with pytest.raises(ValidationFailed) as seat_on_general:
        orders.hold_order(
            buyer, order_in(ev, [{"sector_id": ev["general"]["id"], "seat_id": ev["seats"][1]["id"]}])
        )
    assert seat_on_general.value.errors[0]["field"] == "tickets[0].seat_id"
    with pytest.raises(ValidationFailed) as no_seat:
        orders.hold_order(buyer, order_in(ev, [{"sector_id": ev["seated"]["id"], "quantity": 1}]))
    assert no_seat.value.errors[0]["field"] == "tickets[0].seat_id"
    with pytest.raises(NotFound):
        other = dict(ev, event={"id": "00000000-0000-4000-8000-000000000000"})
        orders.hold_order(buyer, order_in(other, [{"sector_id": ev["general"]["id"], "quantity": 1}]))


def test_limit_per_order_and_half_price_quota(make_event, new_user, sector_state):
    ev = make_event(capacity=10, max_tickets_per_order=6)
    assert sector_state(ev["event"]["id"], "Pista")["half_quota"] == 4
    with pytest.raises(LimitExceeded):
        orders.hold_order(new_user(), order_in(ev, [{"sector_id": ev["general"]["id"], "quantity": 7}]))
    orders.hold_order(
        new_user(), order_in(ev, [{"sector_id": ev["general"]["id"], "quantity": 4, "type": "half"}])
    )
    assert sector_state(ev["event"]["id"], "Pista")["half_available"] == 0
    with pytest.raises(LimitExceeded):
        orders.hold_order(
            new_user(), order_in(ev, [{"sector_id": ev["general"]["id"], "quantity": 1, "type": "half"}])
        )
    # The elderly have the right outside the 40 % quota (Estatuto do Idoso).
    order = orders.hold_order(
        new_user(),
        order_in(
            ev,
            [{"sector_id": ev["general"]["id"], "quantity": 1, "type": "half", "half_category": "elderly"}],
        ),
    ).order
    assert order["tickets"][0]["unit_price_cents"] == 5000


def test_concurrent_buyers_on_the_last_places_never_oversell(make_event, new_user, wide_pool, sector_state):
    ev = make_event(capacity=300, rows=[{"row": "A", "seats": 20}])
    for _ in range(50):  # one account per hold: an account's unpaid places are capped (contract v2)
        orders.hold_order(new_user(), order_in(ev, [{"sector_id": ev["general"]["id"], "quantity": 5}]))
    assert sector_state(ev["event"]["id"], "Pista")["available"] == 50
    buyers = [new_user() for _ in range(200)]
    barrier = threading.Barrier(24)

    def buy(i: int) -> tuple[str, object]:
        if i < 24:
            barrier.wait()
        line = general_or_seat(ev, i, seats=20)
        try:
            return "ok", orders.hold_order(buyers[i], order_in(ev, [line])).order
        except Conflict as exc:
            return "conflict", exc
        except Exception as exc:  # anything else is a bug: a 5xx for the buyer
            return "error", exc

    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(buy, range(200)))
    errors = [r for kind, r in results if kind == "error"]
    assert errors == []
    won = [r for kind, r in results if kind == "ok"]
    lost = [r for kind, r in results if kind == "conflict"]
    general_won = [o for o in won if o["tickets"][0]["seat_id"] is None]
    seated_won = [o for o in won if o["tickets"][0]["seat_id"] is not None]
    assert len(general_won) == 50
    assert len(seated_won) == 20
    assert len({o["tickets"][0]["seat_id"] for o in seated_won}) == 20
    assert all(isinstance(exc, SoldOut | SeatUnavailable) for exc in lost)
    assert sector_state(ev["event"]["id"], "Pista")["available"] == 0
    assert sector_state(ev["event"]["id"], "Plateia")["available"] == 0
    held = db.fetch_one(
        "SELECT COALESCE(sum(l.quantity), 0) AS n FROM order_tickets l JOIN orders o ON o.id = l.order_id"
        " WHERE l.sector_id = %s AND o.status = 'reserved'",
        (ev["general"]["id"],),
    )["n"]
    assert held == 300
    owners = db.fetch_all("SELECT order_id FROM seats WHERE sector_id = %s", (ev["seated"]["id"],))
    assert {str(r["order_id"]) for r in owners} == {o["id"] for o in seated_won}


def test_an_expired_hold_frees_its_places_on_read_and_for_the_next_buyer(make_event, new_user, sector_state):
    ev = make_event(capacity=2, stock=1, half_quota=2)
    order = orders.hold_order(new_user(), general_seat_and_add_ons(ev, 2, 0, 1, half=True)).order
    assert sector_state(ev["event"]["id"], "Pista")["available"] == 0
    expire_now(order["id"])
    pista = sector_state(ev["event"]["id"], "Pista")
    assert (pista["available"], pista["half_available"]) == (2, 2)
    assert catalog.list_products(ev["event"]["id"], None)["items"][0]["available"] == 1
    seat_status = {
        s["id"]: s["status"] for s in catalog.seat_map(ev["event"]["id"], ev["seated"]["id"], None)["items"]
    }
    assert seat_status[ev["seats"][0]["id"]] == "available"
    assert stored_status(order["id"]) == "reserved"  # the job has not run yet
    again = orders.hold_order(new_user(), general_seat_and_add_ons(ev, 2, 0, 1)).order
    assert again["status"] == "reserved"
    assert stored_status(order["id"]) == "expired"


def test_expiration_job_run_four_times_at_once_releases_each_hold_once(make_event, new_user, wide_pool):
    ev = make_event(capacity=400, stock=400, half_quota=300)
    held = []
    for _ in range(100):  # one account per hold: an account's unpaid places are capped (contract v2)
        order = orders.hold_order(
            new_user(),
            order_in(
                ev,
                [{"sector_id": ev["general"]["id"], "quantity": 3, "type": "half"}],
                [{"product_id": ev["product"]["id"], "quantity": 2}],
            ),
        ).order
        held.append(order["id"])
    db.fetch_one(
        "UPDATE orders SET expires_at = now() - interval '1 second' WHERE event_id = %s RETURNING 1",
        (ev["event"]["id"],),
    )
    with ThreadPoolExecutor(max_workers=4) as pool:
        counts = list(pool.map(lambda _: orders.release_expired_holds(batch_size=7), range(4)))
    assert sum(counts) == 100
    state = db.fetch_one(
        "SELECT (SELECT sum(available) FROM sector_buckets WHERE sector_id = %s) AS places,"
        " (SELECT half_taken FROM sectors WHERE id = %s) AS half,"
        " (SELECT available FROM products WHERE id = %s) AS stock",
        (ev["general"]["id"], ev["general"]["id"], ev["product"]["id"]),
    )
    assert state == {"places": 400, "half": 0, "stock": 400}
    assert orders.release_expired_holds() == 0


def test_idempotency_replays_conflicts_and_reports_in_progress(make_event, new_user, sector_state):
    ev = make_event()
    buyer = new_user()
    body = order_in(ev, [{"sector_id": ev["general"]["id"], "quantity": 2}])
    first = orders.hold_order(buyer, body, "key-1")
    again = orders.hold_order(buyer, body, "key-1")
    assert not first.replayed and again.replayed
    assert again.order == first.order
    assert sector_state(ev["event"]["id"], "Pista")["available"] == 98
    with pytest.raises(IdempotencyConflict):
        orders.hold_order(buyer, order_in(ev, [{"sector_id": ev["general"]["id"], "quantity": 3}]), "key-1")
    # Keys are per user: another buyer with the same key gets an order of their own.
    other = orders.hold_order(new_user(), body, "key-1").order
    assert other["id"] != first.order["id"]
    user_id = db.fetch_one("SELECT id FROM users WHERE cognito_sub = %s", (buyer.sub,))["id"]
    with db.connection() as conn, conn.transaction():
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s::text || '/create_order/key-2', 0))", (user_id,)
        )
        with pytest.raises(IdempotencyInProgress):
            orders.hold_order(buyer, body, "key-2")
    with pytest.raises(ValidationFailed):
        orders.hold_order(buyer, body, "k" * 256)


def test_only_the_buyer_and_the_events_organizer_see_an_order(make_event, new_user, organizer, new_organizer):
    ev = make_event()
    buyer = new_user()
    order = orders.hold_order(buyer, order_in(ev, [{"sector_id": ev["general"]["id"], "quantity": 1}])).order
    assert orders.get_order(buyer, order["id"])["id"] == order["id"]
    assert orders.get_order(organizer, order["id"])["id"] == order["id"]
    with pytest.raises(NotFound):
        orders.get_order(new_user(), order["id"])
    with pytest.raises(NotFound):
        orders.get_order(new_organizer(), order["id"])
    with pytest.raises(NotFound):
        orders.cancel_order(new_user(), order["id"])
    with pytest.raises(NotFound):
        orders.get_order(buyer, "not-a-uuid")


def test_cancel_and_replace_add_ons(make_event, new_user, sector_state):
    ev = make_event(stock=5)
    buyer = new_user()
    order = orders.hold_order(
        buyer,
        order_in(
            ev,
            [{"sector_id": ev["general"]["id"], "quantity": 1}],
            [{"product_id": ev["product"]["id"], "quantity": 2}],
        ),
    ).order
    changed = orders.replace_products(
        buyer, order["id"], ProductsIn(products=[{"product_id": ev["product"]["id"], "quantity": 5}])
    )
    assert changed["products_cents"] == 5 * 1500
    assert catalog.list_products(ev["event"]["id"], None)["items"][0]["available"] == 0
    with pytest.raises(OutOfStock):
        orders.replace_products(
            buyer, order["id"], ProductsIn(products=[{"product_id": ev["product"]["id"], "quantity": 6}])
        )
    assert catalog.list_products(ev["event"]["id"], None)["items"][0]["available"] == 0
    cancelled = orders.cancel_order(buyer, order["id"])
    assert cancelled["status"] == "cancelled"
    assert catalog.list_products(ev["event"]["id"], None)["items"][0]["available"] == 5
    assert sector_state(ev["event"]["id"], "Pista")["available"] == 100
    with pytest.raises(InvalidState):
        orders.cancel_order(buyer, order["id"])
    late = orders.hold_order(buyer, order_in(ev, [{"sector_id": ev["general"]["id"], "quantity": 1}])).order
    expire_now(late["id"])
    with pytest.raises(HoldExpired):
        orders.replace_products(buyer, late["id"], ProductsIn(products=[]))
    with pytest.raises(InvalidState):
        orders.cancel_order(buyer, late["id"])


def test_my_orders_come_newest_first_in_cursor_pages(make_event, new_user):
    ev = make_event()
    buyer = new_user()
    ids = [
        orders.hold_order(buyer, order_in(ev, [{"sector_id": ev["general"]["id"], "quantity": 1}])).order[
            "id"
        ]
        for _ in range(5)
    ]
    first = orders.list_orders(buyer, 2, None)
    second = orders.list_orders(buyer, 2, first["next_cursor"])
    third = orders.list_orders(buyer, 2, second["next_cursor"])
    seen = [o["id"] for page in (first, second, third) for o in page["items"]]
    assert seen == list(reversed(ids))
    assert third["next_cursor"] is None
    with pytest.raises(ValidationFailed):
        orders.list_orders(buyer, 0, None)
    with pytest.raises(ValidationFailed):
        orders.list_orders(buyer, None, "garbage!")
