"""The buyer's e-tickets (GET /orders/{id}/tickets at the service layer): one per place, PDF links."""

from __future__ import annotations

import pytest
from paid_orders import fetch, hold, paid_quietly

from ticketing.errors import NotFound
from ticketing.services import invoices, tickets


def test_the_buyer_lists_one_ticket_per_place_with_working_pdf_links(
    runtime, make_event, new_user, organizer
):
    ev = make_event(capacity=20)
    buyer = new_user()
    order = paid_quietly(ev, buyer, quantity=3, seat=1, products=0)
    assert tickets.list_tickets(buyer, order["id"]) == {"items": [], "next_cursor": None}  # not issued yet
    invoices.process_paid_order(order["id"])

    listed = tickets.list_tickets(buyer, order["id"])

    assert listed["next_cursor"] is None and len(listed["items"]) == 4
    assert sorted(t["sector"] for t in listed["items"]) == ["Pista", "Pista", "Pista", "Plateia"]
    seated = next(t for t in listed["items"] if t["sector"] == "Plateia")
    assert seated["seat_label"] == ev["seats"][1]["label"] and seated["type"] == "full"
    assert len({t["code"] for t in listed["items"]}) == 4
    for item in listed["items"]:
        assert fetch(item["pdf_url"]).startswith(b"%PDF")
    for stranger in (new_user(), organizer):
        with pytest.raises(NotFound):
            tickets.list_tickets(stranger, order["id"])
    unpaid = hold(ev, buyer, quantity=1, seat=None, products=0)
    with pytest.raises(NotFound):
        tickets.list_tickets(buyer, unpaid["id"])
