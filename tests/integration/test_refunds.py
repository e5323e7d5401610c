"""Refunds against the real PostgreSQL and moto: places, quota and stock back on sale, payment refunded,
tickets stop checking in, the invoice's cancellation record beside it in S3."""

from __future__ import annotations

import json

import pytest
from paid_orders import hold, invoice_row, paid_quietly, s3_object

from ticketing import db, documents
from ticketing.api.after_payment import CheckInIn
from ticketing.errors import InvalidState, NotFound
from ticketing.services import catalog, checkins, invoices, refunds


def test_a_refund_frees_places_and_stock_and_stops_check_in(
    runtime, make_event, new_user, organizer, sector_state
):
    ev = make_event(capacity=20, stock=10, half_quota=5)
    event_id = ev["event"]["id"]
    before = sector_state(event_id, "Pista")
    order = paid_quietly(ev, new_user(), quantity=2, half=True, seat=3, products=2)
    invoices.process_paid_order(order["id"])
    code = db.fetch_one("SELECT code FROM tickets WHERE order_id = %s LIMIT 1", (order["id"],))["code"]
    assert sector_state(event_id, "Pista")["available"] == before["available"] - 2

    refunded = refunds.refund_order(organizer, order["id"])

    assert refunded["status"] == "refunded" and refunded["payment"]["status"] == "refunded"
    after = sector_state(event_id, "Pista")
    assert (after["available"], after["half_available"]) == (before["available"], before["half_available"])
    seat = next(
        s
        for s in catalog.seat_map(event_id, ev["seated"]["id"], None)["items"]
        if s["id"] == ev["seats"][3]["id"]
    )
    assert seat["status"] == "available"
    assert (
        db.fetch_one("SELECT available FROM products WHERE id = %s", (ev["product"]["id"],))["available"]
        == 10
    )
    with pytest.raises(InvalidState):
        checkins.check_in(organizer, CheckInIn(code=code))

    row = invoice_row(order["id"])
    assert row["cancelled_at"] and row["cancellation_written_at"]
    record = json.loads(s3_object(documents.cancellation_key(event_id, order["id"]))["Body"].read())
    assert record["access_key"] == row["access_key"] and record["reason"] == "refunded-by-organizer"
    assert record["cancelled_at"].endswith("Z")
    # The freed seat sells again.
    assert hold(ev, new_user(), quantity=0, seat=3, products=0)["status"] == "reserved"


def test_only_paid_orders_refund_and_only_by_their_organizer(
    runtime, make_event, new_user, organizer, new_organizer
):
    ev = make_event(capacity=20)
    order = paid_quietly(ev, new_user(), quantity=1, seat=None, products=0)
    with pytest.raises(NotFound):
        refunds.refund_order(new_organizer(), order["id"])
    refunds.refund_order(organizer, order["id"])
    with pytest.raises(InvalidState):
        refunds.refund_order(organizer, order["id"])
    reserved = hold(ev, new_user(), quantity=1, seat=None, products=0)
    with pytest.raises(InvalidState):
        refunds.refund_order(organizer, reserved["id"])


def test_an_order_refunded_before_its_invoice_gets_it_already_cancelled(
    runtime, make_event, new_user, organizer
):
    ev = make_event(capacity=20)
    order = paid_quietly(ev, new_user(), quantity=2, seat=None, products=0)
    refunds.refund_order(organizer, order["id"])

    invoices.process_paid_order(order["id"])

    row = invoice_row(order["id"])
    assert row["cancelled_at"] and row["cancellation_written_at"] and row["emailed_at"] is None
    tickets = db.fetch_all("SELECT cancelled_at FROM tickets WHERE order_id = %s", (order["id"],))
    assert len(tickets) == 2 and all(t["cancelled_at"] for t in tickets)


def test_a_cancellation_not_written_is_written_by_the_repair_sweep(
    runtime, make_event, new_user, organizer, monkeypatch
):
    ev = make_event(capacity=20)
    order = paid_quietly(ev, new_user(), quantity=1, seat=None, products=0)
    invoices.process_paid_order(order["id"])
    monkeypatch.setattr(
        documents, "put_json", lambda key, doc: (_ for _ in ()).throw(ConnectionError("down"))
    )
    assert refunds.refund_order(organizer, order["id"])["status"] == "refunded"  # the refund stands
    monkeypatch.undo()
    assert invoice_row(order["id"])["cancellation_written_at"] is None

    invoices.complete_pending_documents(min_age_seconds=0)

    assert invoice_row(order["id"])["cancellation_written_at"] is not None
    s3_object(documents.cancellation_key(ev["event"]["id"], order["id"]))
