"""The waiting list of a sold-out sector on the real PostgreSQL (issue 18): places that come back (expiry,
cancellation, refund, withdrawal) are offered in join order, in the transaction that frees them."""

from __future__ import annotations

import pytest
from paid_orders import paid_quietly, pay

from ticketing import db
from ticketing.api.orders import OrderIn
from ticketing.api.waitlist import WaitlistIn
from ticketing.auth import Caller
from ticketing.errors import Conflict, InvalidState, NotFound, ValidationFailed
from ticketing.services import cancellations, orders, personal_data, refunds, waitlist


def cancel(order: dict) -> None:
    """The buyer of a hold cancels it."""
    owner = db.fetch_one(
        "SELECT u.cognito_sub FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = %s", (order["id"],)
    )["cognito_sub"]
    orders.cancel_order(Caller(sub=owner, username=f"{owner}@example.com", groups=()), order["id"])


def hold_general(ev: dict, buyer, quantity: int, half: bool = False) -> dict:
    line = {"sector_id": ev["general"]["id"], "quantity": quantity}
    if half:
        line.update(type="half", half_category="student")
    body = {"event_id": ev["event"]["id"], "tickets": [line]}
    return orders.hold_order(buyer, OrderIn.model_validate(body)).order


def hold_seats(ev: dict, buyer, indexes: list[int]) -> dict:
    tickets = [{"sector_id": ev["seated"]["id"], "seat_id": ev["seats"][i]["id"]} for i in indexes]
    return orders.hold_order(
        buyer, OrderIn.model_validate({"event_id": ev["event"]["id"], "tickets": tickets})
    ).order


def join(ev: dict, buyer, quantity: int = 1, sector: str = "general", **fields) -> dict:
    body = {"sector_id": ev[sector]["id"], "quantity": quantity, **fields}
    return waitlist.join(buyer, ev["event"]["id"], WaitlistIn.model_validate(body))


def entry(buyer, entry_id: str) -> dict:
    return next(e for e in waitlist.list_mine(buyer)["items"] if e["id"] == entry_id)


def expire(order_id: str) -> None:
    """The hold's deadline passes and the expiration job runs (as the scheduled job would)."""
    db.fetch_one(
        "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = %s RETURNING id", (order_id,)
    )
    orders.release_expired_holds()


def order_row(order_id: str) -> dict:
    return db.fetch_one("SELECT * FROM orders WHERE id = %s", (order_id,))


def offer_emails(order_id: str) -> list[dict]:
    rows = db.fetch_all(
        "SELECT payload FROM outbox WHERE kind = 'email' AND aggregate_id = %s"
        " AND payload ->> 'template' = 'waitlist-offer'",
        (order_id,),
    )
    return [r["payload"] for r in rows]


def test_returned_places_are_offered_in_join_order_with_an_email(make_event, new_user, sector_state):
    ev = make_event(capacity=4)
    event_id = ev["event"]["id"]
    holder = new_user()
    held = hold_general(ev, holder, 4)
    a, b = new_user(), new_user()
    first = join(ev, a, 2)
    second = join(ev, b, 2)
    assert (first["status"], first["position"], second["position"]) == ("waiting", 1, 2)

    expire(held["id"])

    offered_a, offered_b = entry(a, first["id"]), entry(b, second["id"])
    assert offered_a["status"] == offered_b["status"] == "offered"
    order_a = order_row(offered_a["order_id"])
    assert (order_a["status"], order_a["ticket_count"], order_a["waitlist_offer"]) == ("reserved", 2, True)
    assert order_a["user_id"] == db.fetch_one("SELECT id FROM users WHERE cognito_sub = %s", (a.sub,))["id"]
    # The order is the buyer's: they see it and may pay it; places on offer are not on public sale.
    assert orders.get_order(a, offered_a["order_id"])["status"] == "reserved"
    assert sector_state(event_id, "Pista")["available"] == 0
    with pytest.raises(Conflict):
        hold_general(ev, new_user(), 1)
    [mail] = offer_emails(offered_a["order_id"])
    assert mail["to"] == f"{a.sub}@example.com" and mail["quantity"] == 2

    pay(orders.get_order(a, offered_a["order_id"]), a)
    assert entry(a, first["id"])["status"] == "converted"


def test_a_lapsed_offer_goes_on_to_the_next_entry_and_then_to_the_public(make_event, new_user, sector_state):
    ev = make_event(capacity=2)
    event_id = ev["event"]["id"]
    held = hold_general(ev, new_user(), 2)
    a, b = new_user(), new_user()
    first, second = join(ev, a, 2), join(ev, b, 2)
    expire(held["id"])
    offer_a = entry(a, first["id"])
    assert offer_a["status"] == "offered" and entry(b, second["id"])["status"] == "waiting"
    assert entry(b, second["id"])["position"] == 1

    expire(offer_a["order_id"])

    assert entry(a, first["id"])["status"] == "lapsed"
    offer_b = entry(b, second["id"])
    assert offer_b["status"] == "offered" and offer_b["order_id"] != offer_a["order_id"]
    assert order_row(offer_a["order_id"])["status"] == "expired"

    # B lets the offer go: nobody is left waiting, so the places go back on public sale.
    waitlist.leave(b, second["id"])
    assert entry(b, second["id"])["status"] == "cancelled"
    assert order_row(offer_b["order_id"])["status"] == "cancelled"
    assert sector_state(event_id, "Pista")["available"] == 2


def test_an_entry_that_does_not_fit_is_skipped_but_keeps_its_place(make_event, new_user):
    ev = make_event(capacity=3)
    one, two = hold_general(ev, new_user(), 1), hold_general(ev, new_user(), 2)
    big, small = new_user(), new_user()
    wants_two = join(ev, big, 2)
    wants_one = join(ev, small, 1)

    cancel(one)

    assert entry(big, wants_two["id"])["status"] == "waiting"
    assert entry(big, wants_two["id"])["position"] == 1
    assert entry(small, wants_one["id"])["status"] == "offered"

    expire(two["id"])  # two places now: the first in line fits and gets them
    assert entry(big, wants_two["id"])["status"] == "offered"


def test_seated_offers_are_the_seats_that_came_back_adjacent_when_possible(make_event, new_user):
    ev = make_event(rows=[{"row": "A", "seats": 4}, {"row": "B", "seats": 2}])
    scattered = hold_seats(ev, new_user(), [0, 2])
    hold_seats(ev, new_user(), [1, 3])
    pair = hold_seats(ev, new_user(), [4, 5])  # B-1, B-2
    a, b = new_user(), new_user()
    wants_two = join(ev, a, 2, sector="seated")
    wants_one = join(ev, b, 1, sector="seated")

    cancel(scattered)  # come back: not adjacent, still offered
    offer_a = entry(a, wants_two["id"])
    assert offer_a["status"] == "offered"
    labels = [t["seat_label"] for t in orders.get_order(a, offer_a["order_id"])["tickets"]]
    assert sorted(labels) == ["A-1", "A-3"]

    cancel(pair)
    offer_b = entry(b, wants_one["id"])
    assert [t["seat_label"] for t in orders.get_order(b, offer_b["order_id"])["tickets"]] == ["B-1"]


def test_adjacent_seats_are_preferred(make_event, new_user):
    ev = make_event(rows=[{"row": "A", "seats": 5}])
    first = hold_seats(ev, new_user(), [0])
    hold_seats(ev, new_user(), [1, 2])
    last = hold_seats(ev, new_user(), [3, 4])
    a = new_user()
    wants = join(ev, a, 2, sector="seated")
    # come back in one release: the adjacent pair is offered, not A-1 with A-4.
    db.fetch_one(
        "SELECT release_orders(ARRAY[%s, %s]::uuid[], 'cancelled') IS NULL AS done", (first["id"], last["id"])
    )
    offer = entry(a, wants["id"])
    labels = sorted(t["seat_label"] for t in orders.get_order(a, offer["order_id"])["tickets"])
    assert labels == ["A-4", "A-5"]


def test_half_price_entries_respect_the_quota(make_event, new_user):
    ev = make_event(capacity=4, half_quota=1)
    half_holder = hold_general(ev, new_user(), 1, half=True)
    full_holder = hold_general(ev, new_user(), 3)
    a, b = new_user(), new_user()
    wants_half = join(ev, a, 1, type="half", half_category="student")
    wants_full = join(ev, b, 1)

    cancel(full_holder)  # three full places back; the quota is still used up

    assert entry(a, wants_half["id"])["status"] == "waiting"
    offer = entry(b, wants_full["id"])
    assert offer["status"] == "offered"

    cancel(half_holder)  # the quota comes back with it
    offer_half = entry(a, wants_half["id"])
    assert offer_half["status"] == "offered"
    line = orders.get_order(a, offer_half["order_id"])["tickets"][0]
    assert (line["type"], line["half_category"], line["unit_price_cents"]) == ("half", "student", 5000)
    assert (
        db.fetch_one("SELECT half_taken FROM sectors WHERE id = %s", (ev["general"]["id"],))["half_taken"]
        == 1
    )


def test_the_per_cpf_limit_is_respected_at_join_and_at_offer(make_event, new_user):
    ev = make_event(capacity=3, max_tickets_per_cpf=2)
    a, b = new_user(), new_user()
    a_order = hold_general(ev, a, 1)
    other = hold_general(ev, new_user(), 2)
    with pytest.raises(Conflict) as refused:
        join(ev, a, 2)
    assert refused.value.name == "limit-exceeded"
    wants = join(ev, a, 1)  # 1 held + 1 waited for = 2
    wants_b = join(ev, b, 1)
    pay(a_order, a)
    # A's CPF gets one more ticket meanwhile (a transfer received): the offer would pass the limit, so B gets it.
    db.fetch_one(
        "UPDATE cpf_ticket_counts SET taken = 2 WHERE event_id = %s"
        " AND cpf = (SELECT cpf FROM users WHERE cognito_sub = %s) RETURNING 1",
        (ev["event"]["id"], a.sub),
    )
    cancel(other)
    assert entry(a, wants["id"])["status"] == "waiting"
    assert entry(b, wants_b["id"])["status"] == "offered"


def test_a_refund_offers_the_places(make_event, new_user, organizer):
    ev = make_event(capacity=2)
    paid = paid_quietly(ev, new_user(), quantity=2, seat=None, products=0)
    a = new_user()
    wants = join(ev, a, 2)
    refunds.refund_order(organizer, paid["id"])
    offer = entry(a, wants["id"])
    assert offer["status"] == "offered" and order_row(offer["order_id"])["ticket_count"] == 2


def test_a_withdrawal_offers_the_places(make_event, new_user):
    ev = make_event(capacity=2)
    buyer = new_user()
    paid = paid_quietly(ev, buyer, quantity=2, seat=None, products=0)
    a = new_user()
    wants = join(ev, a, 1)
    cancellations.withdraw(buyer, paid["id"])
    assert entry(a, wants["id"])["status"] == "offered"


def test_an_offer_does_not_count_toward_the_account_cap_on_unpaid_places(make_event, new_user):
    ev = make_event(capacity=8, max_tickets_per_order=4)
    a = new_user()
    hold_general(ev, new_user(), 4)
    taken = hold_general(ev, new_user(), 4)
    wants = join(ev, a, 4)
    cancel(taken)
    assert entry(a, wants["id"])["status"] == "offered"
    # A still holds four offered places, yet may hold up to four more of their own elsewhere in the event.
    assert (
        db.fetch_one(
            "SELECT COALESCE(sum(held), 0) AS held FROM account_hold_counts c JOIN users u ON u.id = c.user_id"
            " WHERE u.cognito_sub = %s",
            (a.sub,),
        )["held"]
        == 0
    )


def test_join_refusals(make_event, new_user):
    ev = make_event(capacity=2)
    a = new_user()
    with pytest.raises(InvalidState):
        join(ev, a, 1)  # places on sale: buy them
    hold_general(ev, new_user(), 2)
    join(ev, a, 1)
    with pytest.raises(InvalidState):
        join(ev, a, 1)  # already waiting
    with pytest.raises(Conflict) as too_many:
        join(ev, new_user(), 7)
    assert too_many.value.name == "limit-exceeded"
    with pytest.raises(ValidationFailed):
        join(ev, new_user(), 1, sector="general", type="full", half_category="student")
    with pytest.raises(NotFound):
        waitlist.join(a, "00000000-0000-4000-8000-000000000000", WaitlistIn(sector_id=ev["general"]["id"]))
    with pytest.raises(ValidationFailed):
        waitlist.join(a, ev["event"]["id"], WaitlistIn(sector_id="00000000-0000-4000-8000-000000000000"))


def test_leave_rules(make_event, new_user):
    ev = make_event(capacity=1)
    hold_general(ev, new_user(), 1)
    a = new_user()
    wants = join(ev, a, 1)
    with pytest.raises(NotFound):
        waitlist.leave(new_user(), wants["id"])
    waitlist.leave(a, wants["id"])
    with pytest.raises(InvalidState):
        waitlist.leave(a, wants["id"])
    assert join(ev, a, 1)["status"] == "waiting"  # may join again after leaving


def test_a_deleted_account_leaves_its_lists_and_its_offer_passes_on(runtime, make_event, new_user):
    ev = make_event(capacity=1)
    held = hold_general(ev, new_user(), 1)
    leaving, next_in_line = new_user(), new_user()
    gone = join(ev, leaving, 1)
    stays = join(ev, next_in_line, 1)
    expire(held["id"])
    assert entry(leaving, gone["id"])["status"] == "offered"

    personal_data.delete_account(leaving)

    assert (
        db.fetch_one("SELECT status FROM waitlist_entries WHERE id = %s", (gone["id"],))["status"]
        == "cancelled"
    )
    assert entry(next_in_line, stays["id"])["status"] == "offered"


def test_an_offer_counts_and_takes_free_places_of_every_bucket(make_event, new_user, sector_state):
    ev = make_event(capacity=50)  # two bucket rows of places
    sector = ev["general"]["id"]
    big = hold_general(ev, new_user(), 6)
    for _ in range(7):
        hold_general(ev, new_user(), 6)
    last = hold_general(ev, new_user(), 1)
    # One place left, and it lies in the second bucket (places are interchangeable between buckets).
    db.fetch_one(
        "UPDATE sector_buckets SET available = CASE WHEN bucket = 1 THEN 1 ELSE 0 END WHERE sector_id = %s"
        " RETURNING 1",
        (sector,),
    )
    a = new_user()
    wants = join(ev, a, 2)

    cancel(last)  # one place back in the first bucket: with the one in the second, two fit

    offer = entry(a, wants["id"])
    assert offer["status"] == "offered" and order_row(offer["order_id"])["ticket_count"] == 2
    buckets = db.fetch_all(
        "SELECT available FROM sector_buckets WHERE sector_id = %s ORDER BY bucket", (sector,)
    )
    assert [b["available"] for b in buckets] == [0, 0]
    assert sector_state(ev["event"]["id"], "Pista")["available"] == 0
    cancel(big)
    assert sector_state(ev["event"]["id"], "Pista")["available"] == 6


def test_cancelling_the_event_cancels_its_waiting_entries(make_event, new_user, organizer):
    ev = make_event(capacity=1)
    hold_general(ev, new_user(), 1)
    a = new_user()
    wants = join(ev, a, 1)
    cancellations.cancel_event(organizer, ev["event"]["id"])
    assert entry(a, wants["id"])["status"] == "cancelled"
