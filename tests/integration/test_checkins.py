"""Check-in at the door against the real PostgreSQL: the first scan wins, atomically, and every other
answer says why not."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from paid_orders import paid_quietly

from ticketing import db
from ticketing.api.after_payment import CheckInIn
from ticketing.errors import AlreadyCheckedIn, NotFound, WrongEvent
from ticketing.services import checkins, invoices


def issued_tickets(ev: dict, buyer, **hold_args) -> list[dict]:
    order = paid_quietly(ev, buyer, **hold_args)
    invoices.issue_invoice(order["id"])
    return db.fetch_all(
        "SELECT t.id, t.code, t.event_id, l.type FROM tickets t JOIN order_tickets l ON l.id = t.order_ticket_id"
        " WHERE t.order_id = %s ORDER BY l.position, t.place",
        (order["id"],),
    )


def scan(caller, code: str, event_id: str | None = None) -> dict:
    return checkins.check_in(caller, CheckInIn(code=code, event_id=event_id))


def test_the_first_scan_checks_in_and_shows_half_price_and_its_category(
    runtime, make_event, new_user, organizer
):
    ev = make_event(capacity=20)
    issued = issued_tickets(ev, new_user(), quantity=1, half=True, seat=2, products=0)
    half = next(t for t in issued if t["type"] == "half")
    seat = next(t for t in issued if t["type"] == "full")

    answer = scan(organizer, half["code"], ev["event"]["id"])

    assert answer["ticket_id"] == str(half["id"]) and answer["event_id"] == ev["event"]["id"]
    assert (answer["sector"], answer["seat_label"], answer["type"], answer["half_category"]) == (
        "Pista",
        None,
        "half",
        "student",
    )
    assert answer["checked_in_at"].endswith("Z")
    seated = scan(organizer, seat["code"])
    assert (seated["sector"], seated["seat_label"], seated["type"]) == (
        "Plateia",
        ev["seats"][2]["label"],
        "full",
    )


def test_a_second_scan_is_409_already_checked_in_saying_when(runtime, make_event, new_user, organizer):
    ev = make_event(capacity=20)
    (ticket,) = issued_tickets(ev, new_user(), quantity=1, seat=None, products=0)
    first = scan(organizer, ticket["code"])
    with pytest.raises(AlreadyCheckedIn) as raised:
        scan(organizer, ticket["code"])
    assert first["checked_in_at"] in raised.value.detail
    assert raised.value.problem()["checked_in_at"] == first["checked_in_at"]


def test_another_events_door_unknown_codes_and_other_organizers(
    runtime, make_event, new_user, organizer, new_organizer
):
    ev = make_event(capacity=20)
    other_event = make_event(capacity=5)
    (ticket,) = issued_tickets(ev, new_user(), quantity=1, seat=None, products=0)
    with pytest.raises(WrongEvent):
        scan(organizer, ticket["code"], other_event["event"]["id"])
    with pytest.raises(NotFound):
        scan(organizer, "no-such-code-" + "x" * 20)
    with pytest.raises(NotFound):
        scan(new_organizer(), ticket["code"])
    assert scan(organizer, ticket["code"])["ticket_id"] == str(ticket["id"])  # still valid after those


@pytest.mark.usefixtures("wide_pool")
def test_one_hundred_concurrent_scans_of_one_code_check_in_once(runtime, make_event, new_user, organizer):
    ev = make_event(capacity=20)
    (ticket,) = issued_tickets(ev, new_user(), quantity=1, seat=None, products=0)

    def attempt(_: int) -> str:
        try:
            scan(organizer, ticket["code"])
            return "ok"
        except AlreadyCheckedIn:
            return "already"

    with ThreadPoolExecutor(32) as pool:
        outcomes = list(pool.map(attempt, range(100)))

    assert outcomes.count("ok") == 1 and outcomes.count("already") == 99
