"""The organizer report matches the orders in the database, for 10,000 orders, as JSON and CSV."""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter

import pytest
from bulk_orders import hold_many

from ticketing import db
from ticketing.errors import NotFound
from ticketing.services import catalog, reports


def test_report_matches_ten_thousand_orders(make_event, new_user, organizer):
    ev = make_event(capacity=12000, stock=None, service_fee_percent=7.5)
    hold_many(ev, 10_000)
    # 6,000 paid, 1,000 refunded (not revenue), 1,000 cancelled, the rest still reserved.
    ids = [
        r["id"]
        for r in db.fetch_all("SELECT id FROM orders WHERE event_id = %s ORDER BY id", (ev["event"]["id"],))
    ]
    db.fetch_one(
        "UPDATE orders SET status = 'paid', paid_at = now() WHERE id = ANY(%s) RETURNING 1", (ids[:6000],)
    )
    db.fetch_one("SELECT release_orders(%s, 'refunded')", (ids[6000:7000],))
    db.fetch_one("SELECT release_orders(%s, 'cancelled')", (ids[7000:8000],))
    catalog.seat_map(ev["event"]["id"], ev["seated"]["id"], None)
    catalog.seat_map(ev["event"]["id"], ev["seated"]["id"], None)

    report = reports.event_report(organizer, ev["event"]["id"])

    docs = [
        r["doc"]
        for r in db.fetch_all(
            "SELECT order_document(id) AS doc FROM orders WHERE event_id = %s", (ev["event"]["id"],)
        )
    ]
    paid = [d for d in docs if d["status"] == "paid"]
    assert len(paid) == 6000
    assert report["tickets_sold"] == sum(t["quantity"] for d in paid for t in d["tickets"]) == 6000
    assert report["revenue_cents"] == sum(d["total_cents"] for d in paid)
    assert report["fees_cents"] == sum(d["fee_cents"] for d in paid) == 6000 * 750
    assert report["net_cents"] == report["revenue_cents"] - report["fees_cents"]
    assert report["orders_by_status"] == dict(Counter(d["status"] for d in docs))
    pista = next(s for s in report["by_sector"] if s["name"] == "Pista")
    assert pista["tickets_sold"] == 6000
    assert pista["capacity"] == 12000 and pista["available"] == 12000 - 8000
    assert (
        pista["revenue_cents"] + sum(p["revenue_cents"] for p in report["products_sold"])
        == report["revenue_cents"]
    )
    plateia = next(s for s in report["by_sector"] if s["name"] == "Plateia")
    assert (plateia["tickets_sold"], plateia["seat_map_views"]) == (0, 3)  # the fixture read it once too
    assert report["products_sold"] == [
        {"product_id": ev["product"]["id"], "name": "Pipoca", "quantity": 6000, "revenue_cents": 6000 * 1500}
    ]

    rows = list(csv.DictReader(io.StringIO(reports.report_csv(report))))
    event_row = next(r for r in rows if r["kind"] == "event")
    assert int(event_row["revenue_cents"]) == report["revenue_cents"]
    assert int(event_row["net_cents"]) == report["net_cents"]
    assert {r["name"]: int(r["tickets_sold"]) for r in rows if r["kind"] == "sector"} == {
        "Pista": 6000,
        "Plateia": 0,
    }
    assert {r["name"]: int(r["orders"]) for r in rows if r["kind"] == "orders"} == report["orders_by_status"]


def test_only_the_events_organizer_gets_the_report(make_event, new_organizer):
    ev = make_event()
    with pytest.raises(NotFound):
        reports.event_report(new_organizer(), ev["event"]["id"])
    with pytest.raises(NotFound):
        reports.event_report(new_organizer(), str(uuid.uuid4()))
