"""The organizer's report of an event: sales over paid orders, by sector and add-on, as JSON or CSV."""

from __future__ import annotations

import csv
import io

from ticketing import db
from ticketing.auth import Caller
from ticketing.db import catalog as catalog_sql
from ticketing.db import orders as orders_sql
from ticketing.db import reports as sql
from ticketing.errors import NotFound
from ticketing.ids import parse_id
from ticketing.metrics import emit

CSV_COLUMNS = [
    "kind",
    "id",
    "name",
    "capacity",
    "available",
    "tickets_sold",
    "quantity",
    "revenue_cents",
    "fees_cents",
    "net_cents",
    "seat_map_views",
    "orders",
]


def count_seat_map_view(sector_id: str) -> None:
    """One more view of a sector's seat map (the report's seat_map_views)."""
    db.fetch_one(sql.count_seat_map_view + " RETURNING views", {"sector_id": sector_id})
    emit("SeatMapViews", sector_id=str(sector_id))


def event_report(caller: Caller, event_id: str) -> dict:
    """GET /events/{id}/report for the event's organizer."""
    event_uuid = parse_id(event_id, "event")
    if db.fetch_one(orders_sql.own_event, {"event_id": event_uuid, "sub": caller.sub}) is None:
        raise NotFound("No such event")
    totals = db.fetch_one(sql.event_report, {"event_id": event_uuid})
    sectors = db.fetch_all(catalog_sql.sectors_with_availability, {"event_id": event_uuid})
    by_sector = []
    for sector in sectors:
        sales = totals["sectors"].get(str(sector["id"]), {})
        by_sector.append(
            {
                "sector_id": str(sector["id"]),
                "name": sector["name"],
                "capacity": sector["capacity"],
                "tickets_sold": sales.get("tickets_sold", 0),
                "available": sector["available"],
                "revenue_cents": sales.get("revenue_cents", 0),
                "fees_cents": sales.get("fees_cents", 0),
                "seat_map_views": sales.get("seat_map_views", 0),
            }
        )
    return {
        "event_id": str(event_uuid),
        "tickets_sold": totals["tickets_sold"],
        "revenue_cents": totals["revenue_cents"],
        "fees_cents": totals["fees_cents"],
        "net_cents": totals["revenue_cents"] - totals["fees_cents"],
        "by_sector": by_sector,
        "orders_by_status": totals["orders_by_status"],
        "products_sold": totals["products_sold"],
    }


def report_csv(report: dict) -> str:
    """The same report as CSV: one row for the event, then a row per sector, add-on and order status."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(
        {
            "kind": "event",
            "id": report["event_id"],
            "tickets_sold": report["tickets_sold"],
            "revenue_cents": report["revenue_cents"],
            "fees_cents": report["fees_cents"],
            "net_cents": report["net_cents"],
        }
    )
    for sector in report["by_sector"]:
        writer.writerow(
            {
                "kind": "sector",
                "id": sector["sector_id"],
                "name": sector["name"],
                "capacity": sector["capacity"],
                "available": sector["available"],
                "tickets_sold": sector["tickets_sold"],
                "revenue_cents": sector["revenue_cents"],
                "fees_cents": sector["fees_cents"],
                "net_cents": sector["revenue_cents"] - sector["fees_cents"],
                "seat_map_views": sector["seat_map_views"],
            }
        )
    for product in report["products_sold"]:
        writer.writerow(
            {
                "kind": "product",
                "id": product["product_id"],
                "name": product["name"],
                "quantity": product["quantity"],
                "revenue_cents": product["revenue_cents"],
                "net_cents": product["revenue_cents"],
            }
        )
    for status, count in sorted(report["orders_by_status"].items()):
        writer.writerow({"kind": "orders", "name": status, "orders": count})
    return out.getvalue()
