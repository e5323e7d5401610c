"""The waiting list under concurrency on the real PostgreSQL: 200 buyers join a sold-out sector's list at
once, then 50 holds are let go at once; every released place is offered exactly once, in join order, and
none is ever both on public sale and on offer. Then joins, releases and other buyers' holds racing each
other keep every place accounted for (and never deadlock)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ticketing import db
from ticketing.api.orders import OrderIn
from ticketing.api.waitlist import WaitlistIn
from ticketing.errors import DomainError
from ticketing.services import orders, waitlist

CAPACITY = 50
JOINERS = 200


def sold_out(make_event, new_user) -> tuple[dict, list[tuple[object, dict]]]:
    ev = make_event(capacity=CAPACITY)
    holds = []
    for _ in range(CAPACITY):
        buyer = new_user()
        body = {"event_id": ev["event"]["id"], "tickets": [{"sector_id": ev["general"]["id"], "quantity": 1}]}
        holds.append((buyer, orders.hold_order(buyer, OrderIn.model_validate(body)).order))
    return ev, holds


def join_all(ev: dict, buyers: list) -> list[dict]:
    body = WaitlistIn(sector_id=ev["general"]["id"], quantity=1)
    with ThreadPoolExecutor(max_workers=24) as pool:
        return list(pool.map(lambda b: waitlist.join(b, ev["event"]["id"], body), buyers))


def places(ev: dict) -> dict:
    """Where the sector's places are, from the database's own rows."""
    return db.fetch_one(
        """
        SELECT (SELECT COALESCE(sum(available), 0) FROM sector_buckets WHERE sector_id = %(s)s)::int AS free,
               (SELECT COALESCE(sum(l.quantity), 0) FROM order_tickets l JOIN orders o ON o.id = l.order_id
                 WHERE l.sector_id = %(s)s AND o.status IN ('reserved', 'awaiting_payment', 'paid')
                   AND NOT o.waitlist_offer)::int AS held,
               (SELECT COALESCE(sum(l.quantity), 0) FROM order_tickets l JOIN orders o ON o.id = l.order_id
                 WHERE l.sector_id = %(s)s AND o.status IN ('reserved', 'awaiting_payment')
                   AND o.waitlist_offer)::int AS on_offer,
               (SELECT count(*) FROM waitlist_entries WHERE sector_id = %(s)s AND status = 'offered')::int
                   AS offered_entries,
               (SELECT count(DISTINCT order_id) FROM waitlist_entries
                 WHERE sector_id = %(s)s AND status = 'offered')::int AS offer_orders,
               (SELECT count(*) FROM orders o WHERE o.waitlist_offer AND o.event_id = %(e)s)::int AS all_offers
        """,
        {"s": ev["general"]["id"], "e": ev["event"]["id"]},
    )


def test_every_released_place_is_offered_exactly_once_in_join_order(
    make_event, new_user, wide_pool, sector_state
):
    ev, holds = sold_out(make_event, new_user)
    entries = join_all(ev, [new_user() for _ in range(JOINERS)])
    assert len({e["id"] for e in entries}) == JOINERS
    assert all(e["status"] == "waiting" for e in entries)

    with ThreadPoolExecutor(max_workers=24) as pool:
        list(pool.map(lambda held: orders.cancel_order(held[0], held[1]["id"]), holds))

    state = places(ev)
    assert state == {
        "free": 0,
        "held": 0,
        "on_offer": CAPACITY,
        "offered_entries": CAPACITY,
        "offer_orders": CAPACITY,
        "all_offers": CAPACITY,
    }
    assert sector_state(ev["event"]["id"], "Pista")["available"] == 0
    line = db.fetch_all(
        "SELECT status FROM waitlist_entries WHERE sector_id = %s ORDER BY seq", (ev["general"]["id"],)
    )
    assert [r["status"] for r in line] == ["offered"] * CAPACITY + ["waiting"] * (JOINERS - CAPACITY)


def test_joins_racing_releases_keep_every_place_accounted_for(make_event, new_user, wide_pool):
    ev, holds = sold_out(make_event, new_user)
    joiners = [new_user() for _ in range(JOINERS)]
    body = WaitlistIn(sector_id=ev["general"]["id"], quantity=1)

    def join(buyer):
        try:
            waitlist.join(buyer, ev["event"]["id"], body)
        except DomainError as exc:  # places on public sale for a moment: buy them instead
            assert exc.name == "invalid-state"

    def buy(buyer):
        hold = {"event_id": ev["event"]["id"], "tickets": [{"sector_id": ev["general"]["id"], "quantity": 1}]}
        try:
            orders.hold_order(buyer, OrderIn.model_validate(hold))
        except DomainError as exc:  # the places went to the waiting list
            assert exc.name == "sold-out"

    with ThreadPoolExecutor(max_workers=24) as pool:
        work = [pool.submit(join, b) for b in joiners[: JOINERS // 2]]
        for (buyer, held), public in zip(holds, [new_user() for _ in holds], strict=True):
            work += [pool.submit(orders.cancel_order, buyer, held["id"]), pool.submit(buy, public)]
        work += [pool.submit(join, b) for b in joiners[JOINERS // 2 :]]
        for done in work:
            done.result()

    state = places(ev)
    assert state["free"] + state["on_offer"] + state["held"] == CAPACITY
    assert state["offered_entries"] == state["offer_orders"] == state["all_offers"] == state["on_offer"]
    # At least the joins that finished before the first release began were offered places.
    assert state["on_offer"] >= 1
    # A join that raced a release may have left a place on sale while it waits; the expiry job's sweep
    # offers it, and then nobody waits beside a free place.
    orders.release_expired_holds()
    state = places(ev)
    waiting = db.fetch_one(
        "SELECT count(*) AS n FROM waitlist_entries WHERE sector_id = %s AND status = 'waiting'",
        (ev["general"]["id"],),
    )["n"]
    assert state["free"] == 0 or waiting == 0, (state, waiting)
    assert state["free"] + state["on_offer"] + state["held"] == CAPACITY
    offers = db.fetch_all(
        "SELECT o.status, o.ticket_count FROM waitlist_entries w JOIN orders o ON o.id = w.order_id"
        " WHERE w.sector_id = %s",
        (ev["general"]["id"],),
    )
    assert {(o["status"], o["ticket_count"]) for o in offers} == {("reserved", 1)}
