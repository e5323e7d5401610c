"""The report's sales_by_day (days in the event's time zone) and lotes per sector, and its pt-BR CSV."""

from __future__ import annotations

import csv
import io

from ticketing import db
from ticketing.api.orders import OrderIn
from ticketing.services import orders, reports


def hold(buyer, event_id, sector_id, quantity):
    return orders.hold_order(
        buyer, OrderIn(event_id=event_id, tickets=[{"sector_id": sector_id, "quantity": quantity}])
    ).order


def paid_at(order_id: str, moment: str) -> None:
    db.fetch_one(
        "UPDATE orders SET status = 'paid', paid_at = %s::timestamptz WHERE id = %s RETURNING 1",
        (moment, order_id),
    )


def test_days_follow_the_events_time_zone_and_lotes_count_paid_places(
    make_event, new_user, organizer, add_general_sector
):
    ev = make_event(timezone="America/Manaus")  # UTC-4 all year
    event_id = ev["event"]["id"]
    lotes = [
        {"name": "1º lote", "price_cents": 10000, "quantity": 3},
        {"name": "2º lote", "price_cents": 15000, "quantity": 10},
    ]
    sector = add_general_sector(event_id, name="Lotes", price_cents=20000, capacity=100, tiers=lotes)
    first = hold(new_user(), event_id, sector["id"], 2)  # 1º lote
    crossing = hold(new_user(), event_id, sector["id"], 3)  # 1 at the 1º lote, 2 at the 2º
    held_only = hold(new_user(), event_id, sector["id"], 1)  # 2º lote, never paid
    # 03:30 UTC on 2 March is still 1 March in Manaus; 04:30 UTC is 2 March there.
    paid_at(first["id"], "2027-03-02T03:30:00Z")
    paid_at(crossing["id"], "2027-03-02T04:30:00Z")

    report = reports.event_report(organizer, event_id)

    assert report["sales_by_day"] == [
        {"date": "2027-03-01", "tickets": 2, "revenue_cents": first["total_cents"]},
        {"date": "2027-03-02", "tickets": 3, "revenue_cents": crossing["total_cents"]},
    ]
    lotes = next(s for s in report["by_sector"] if s["sector_id"] == sector["id"])
    assert lotes["tiers"] == [
        {"name": "1º lote", "price_cents": 10000, "sold": 3},
        {"name": "2º lote", "price_cents": 15000, "sold": 2},
    ]
    assert held_only["status"] == "reserved"
    pista = next(s for s in report["by_sector"] if s["name"] == "Pista")
    assert pista["tiers"] == []

    machine = reports.report_csv(report)
    assert not machine.startswith("\ufeff") and machine.splitlines()[0].startswith("kind,id,name")

    text = reports.report_csv_pt_br(report)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][:3] == ["tipo", "id", "nome"] and "receita (R$)" in rows[0]
    header = rows[0]
    by_kind = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    event_row = next(r for r in by_kind if r["tipo"] == "evento")
    assert event_row["receita (R$)"] == reports.brazilian_amount(report["revenue_cents"])
    days = [r for r in by_kind if r["tipo"] == "dia"]
    assert [d["nome"] for d in days] == ["01/03/2027", "02/03/2027"]
    assert [r["nome"] for r in by_kind if r["tipo"] == "lote"] == [
        "Lotes — 1º lote (100,00)",
        "Lotes — 2º lote (150,00)",
    ]
    assert {r["nome"] for r in by_kind if r["tipo"] == "pedidos"} == {"pago", "reservado"}
