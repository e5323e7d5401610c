"""Ticket transfers against the real PostgreSQL (POST /tickets/{id}/transfer and GET /tickets at the service
layer): the code changes hands, the door refuses the old one, the rules answer in the contract's order, and
the recipient's per-CPF limit holds under 50 transfers at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from paid_orders import email_of, fetch, paid_quietly

from ticketing import db
from ticketing.api.after_payment import CheckInIn, TransferIn
from ticketing.api.catalog import EventPatch
from ticketing.errors import InvalidState, LimitExceeded, NotFound, ValidationFailed
from ticketing.services import catalog, checkins, invoices, reports, tickets
from ticketing.services import orders as order_service


def issued(ev: dict, buyer, **hold_args) -> tuple[dict, list[dict]]:
    """A paid, invoiced order and its tickets as its buyer holds them."""
    order = paid_quietly(ev, buyer, **hold_args)
    invoices.process_paid_order(order["id"])
    held = [t for t in tickets.held_tickets(buyer)["items"] if t["order_id"] == order["id"]]
    return order, held


def transfer(caller, ticket_id: str, to, **fields) -> dict:
    return tickets.transfer_ticket(caller, ticket_id, TransferIn(email=email_of(to), **fields))


def scan(organizer, code: str) -> dict:
    return checkins.check_in(organizer, CheckInIn(code=code))


def test_a_transfer_gives_the_recipient_a_new_code_and_pdf_and_the_old_code_stops_at_the_door(
    runtime, make_event, new_user, organizer
):
    ev = make_event(capacity=20)
    buyer, friend = new_user(), new_user()
    order, held = issued(ev, buyer, quantity=2, seat=None, products=0)
    ticket = held[0]

    moved = transfer(buyer, ticket["id"], friend)

    assert moved["id"] == ticket["id"] and "code" not in moved
    assert moved["holder_email"] == email_of(friend)
    received = tickets.held_tickets(friend)["items"]
    assert [t["id"] for t in received] == [ticket["id"]]
    new = received[0]
    assert new["received"] is True and new["order_id"] is None and new["status"] == "valid"
    assert new["code"] != ticket["code"]
    assert fetch(new["pdf_url"]).startswith(b"%PDF")
    assert new["pdf_url"].split("?")[0] != ticket["pdf_url"].split("?")[0]
    # The buyer keeps the other ticket, the order and its invoice, but no longer this ticket's code.
    mine = tickets.held_tickets(buyer)["items"]
    assert [t["id"] for t in mine] == [held[1]["id"]]
    in_order = {t["id"]: t for t in tickets.list_tickets(buyer, order["id"])["items"]}
    assert in_order[ticket["id"]]["code"] is None and in_order[ticket["id"]]["transferred"] is True
    assert in_order[ticket["id"]]["pdf_url"] is None
    assert in_order[held[1]["id"]]["code"] == held[1]["code"]
    assert invoices.get_invoice(buyer, order["id"])["number"] >= 1
    # The door: the old code is unknown, the new one checks in.
    with pytest.raises(NotFound):
        scan(organizer, ticket["code"])
    assert scan(organizer, new["code"])["ticket_id"] == ticket["id"]
    assert tickets.held_tickets(friend)["items"][0]["status"] == "checked_in"
    # Both people were written to (outbox).
    purposes = {
        row["payload"]["purpose"]: row["payload"]["to"]
        for row in db.fetch_all("SELECT payload FROM outbox WHERE aggregate_id = %s", (ticket["id"],))
    }
    assert purposes == {"ticket-transferred-away": email_of(buyer), "ticket-received": email_of(friend)}


def test_the_recipient_can_pass_it_on_and_the_first_holder_can_no_longer_move_it(
    runtime, make_event, new_user
):
    ev = make_event(capacity=20)
    buyer, friend, third = new_user(), new_user(), new_user()
    _, held = issued(ev, buyer, quantity=1, seat=None, products=0)
    transfer(buyer, held[0]["id"], friend)
    with pytest.raises(NotFound):
        transfer(buyer, held[0]["id"], third)
    transfer(friend, held[0]["id"], third)
    assert [t["id"] for t in tickets.held_tickets(third)["items"]] == [held[0]["id"]]
    assert tickets.held_tickets(friend)["items"] == []


def test_the_rules_answer_in_the_contracts_order(runtime, make_event, new_user, organizer):
    ev = make_event(capacity=20, half_quota=10)
    buyer, friend, stranger = new_user(), new_user(), new_user()
    order, held = issued(ev, buyer, quantity=1, half=True, seat=None, products=0)
    half = held[0]
    # Unknown ticket, someone else's ticket, a ticket id that is not one: 404.
    with pytest.raises(NotFound):
        transfer(stranger, half["id"], friend)
    with pytest.raises(NotFound):
        transfer(buyer, "00000000-0000-4000-8000-000000000000", friend)
    # A half-price ticket needs the recipient's category, even for an unknown recipient (422 before 404).
    with pytest.raises(ValidationFailed) as missing:
        tickets.transfer_ticket(buyer, half["id"], TransferIn(email="nobody-here@example.com"))
    assert missing.value.errors[0]["field"] == "half_category"
    with pytest.raises(NotFound):
        tickets.transfer_ticket(
            buyer, half["id"], TransferIn(email="nobody-here@example.com", half_category="teacher")
        )
    with pytest.raises(ValidationFailed) as myself:
        transfer(buyer, half["id"], buyer, half_category="student")
    assert myself.value.errors[0]["field"] == "email"
    # Checked in: 409 invalid-state.
    scan(organizer, half["code"])
    with pytest.raises(InvalidState):
        transfer(buyer, half["id"], friend, half_category="student")
    # Refunded: 409 invalid-state.
    order2, held2 = issued(ev, buyer, quantity=1, seat=None, products=0)
    order_service_refund(organizer, order2["id"])
    with pytest.raises(InvalidState):
        transfer(buyer, held2[0]["id"], friend)
    assert tickets.held_tickets(buyer)["items"][-1]["status"] == "refunded"


def order_service_refund(organizer, order_id: str) -> None:
    from ticketing.services import refunds

    refunds.refund_order(organizer, order_id)


def test_less_than_two_hours_before_the_event_a_transfer_is_refused_even_when_over_the_limit(
    runtime, make_event, new_user
):
    ev = make_event(capacity=20, max_tickets_per_cpf=1)
    buyer, friend = new_user(), new_user()
    _, held = issued(ev, buyer, quantity=1, seat=None, products=0)
    _, friends = issued(ev, friend, quantity=1, seat=None, products=0)
    with pytest.raises(LimitExceeded):
        transfer(buyer, held[0]["id"], friend)
    db.fetch_one(
        "UPDATE events SET starts_at = now() + interval '119 minutes' WHERE id = %s RETURNING id",
        (ev["event"]["id"],),
    )
    # The state conflict comes before the limit.
    with pytest.raises(InvalidState) as late:
        transfer(buyer, held[0]["id"], friend)
    assert "2 hours" in late.value.detail
    assert friends  # the friend's own ticket was never touched


def test_a_half_price_ticket_carries_the_recipients_category_to_the_door(
    runtime, make_event, new_user, organizer
):
    ev = make_event(capacity=20, half_quota=10)
    buyer, friend = new_user(), new_user()
    _, held = issued(ev, buyer, quantity=1, half=True, seat=None, products=0)
    moved = transfer(buyer, held[0]["id"], friend, half_category="teacher")
    assert moved["type"] == "half" and moved["half_category"] == "teacher"
    code = tickets.held_tickets(friend)["items"][0]["code"]
    assert scan(organizer, code)["half_category"] == "teacher"


def test_the_senders_place_under_the_limit_comes_back_and_the_recipients_is_taken(
    runtime, make_event, new_user
):
    ev = make_event(capacity=50, max_tickets_per_cpf=2)
    buyer, friend = new_user(), new_user()
    _, held = issued(ev, buyer, quantity=2, seat=None, products=0)
    from paid_orders import hold

    with pytest.raises(LimitExceeded):
        hold(ev, buyer, quantity=1, seat=None, products=0)
    transfer(buyer, held[0]["id"], friend)
    hold(ev, buyer, quantity=1, seat=None, products=0)  # the buyer holds one ticket again: room for one
    hold(ev, friend, quantity=1, seat=None, products=0)  # the friend: one received + one held = 2
    with pytest.raises(LimitExceeded):
        hold(ev, friend, quantity=1, seat=None, products=0)


def test_fifty_parallel_transfers_to_one_person_never_pass_their_limit(
    runtime,
    make_event,
    new_user,
    wide_pool,  # noqa: F811 - fixture
):
    ev = make_event(capacity=200, max_tickets_per_cpf=3)
    recipient = new_user()
    senders = [new_user() for _ in range(50)]
    owned = [(sender, issued(ev, sender, quantity=1, seat=None, products=0)[1][0]) for sender in senders]
    # The recipient already holds a place in a live hold: two more tickets fit.
    from paid_orders import hold

    hold(ev, recipient, quantity=1, seat=None, products=0)

    def attempt(pair) -> str:
        sender, ticket = pair
        try:
            transfer(sender, ticket["id"], recipient)
            return "transferred"
        except LimitExceeded:
            return "limit"

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(attempt, owned))

    assert outcomes.count("transferred") == 2 and outcomes.count("limit") == 48
    assert len(tickets.held_tickets(recipient)["items"]) == 2
    counted = db.fetch_one(
        "SELECT taken FROM cpf_ticket_counts c JOIN users u ON u.cpf = c.cpf"
        " WHERE c.event_id = %s AND u.cognito_sub = %s",
        (ev["event"]["id"], recipient.sub),
    )
    assert counted["taken"] == 3


def test_two_transfers_of_one_ticket_at_once_one_wins(runtime, make_event, new_user, wide_pool):  # noqa: F811
    ev = make_event(capacity=20)
    buyer = new_user()
    _, held = issued(ev, buyer, quantity=1, seat=None, products=0)
    recipients = [new_user() for _ in range(8)]

    def attempt(to) -> str:
        try:
            transfer(buyer, held[0]["id"], to)
            return "transferred"
        except NotFound:
            return "not-found"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, recipients))
    assert outcomes.count("transferred") == 1
    assert sum(len(tickets.held_tickets(r)["items"]) for r in recipients) == 1
    assert (
        db.fetch_one("SELECT count(*) AS n FROM ticket_transfers WHERE ticket_id = %s", (held[0]["id"],))["n"]
        == 1
    )


def test_a_refund_after_a_transfer_gives_back_every_cpf_count(runtime, make_event, new_user, organizer):
    ev = make_event(capacity=20, max_tickets_per_cpf=4)
    buyer, friend = new_user(), new_user()
    order, held = issued(ev, buyer, quantity=3, seat=None, products=0)
    transfer(buyer, held[0]["id"], friend)
    order_service_refund(organizer, order["id"])
    counts = db.fetch_all("SELECT taken FROM cpf_ticket_counts WHERE event_id = %s", (ev["event"]["id"],))
    assert [row["taken"] for row in counts] == [0, 0]
    assert tickets.held_tickets(friend)["items"][0]["status"] == "refunded"


def test_the_order_desk_and_the_report_show_transfers(runtime, make_event, new_user, organizer):
    ev = make_event(capacity=20)
    buyer, friend = new_user(), new_user()
    order, held = issued(ev, buyer, quantity=2, seat=None, products=0)
    transfer(buyer, held[0]["id"], friend)
    desk = order_service.list_event_orders(organizer, ev["event"]["id"], None, None, None, None)
    listed = next(o for o in desk["items"] if o["id"] == order["id"])
    assert [(t["ticket_id"], t["to"]["email"]) for t in listed["transfers"]] == [
        (held[0]["id"], email_of(friend))
    ]
    report = reports.event_report(organizer, ev["event"]["id"])
    assert report["tickets_transferred"] == 1 and report["tickets_sold"] == 2
    catalog.update_event(organizer, ev["event"]["id"], EventPatch(status="closed"))


def test_an_order_with_a_ticket_transferred_away_can_no_longer_be_withdrawn_from(
    runtime, make_event, new_user
):
    from ticketing.services import cancellations

    ev = make_event(capacity=20)
    buyer, friend = new_user(), new_user()
    order, held = issued(ev, buyer, quantity=2, seat=None, products=0)
    transfer(buyer, held[0]["id"], friend)
    with pytest.raises(InvalidState) as refused:
        cancellations.withdraw(buyer, order["id"])
    assert "transferred" in refused.value.detail
    assert tickets.held_tickets(friend)["items"][0]["status"] == "valid"
