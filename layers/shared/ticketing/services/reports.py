"""The organizer's report of an event: sales over paid orders, by sector and add-on, as JSON or CSV."""

from __future__ import annotations

import csv
import io
import logging
import threading
import time
from collections import Counter

from ticketing import db
from ticketing.auth import Caller
from ticketing.db import catalog as catalog_sql
from ticketing.db import orders as orders_sql
from ticketing.db import reports as sql
from ticketing.domain.statuses import ORDER_STATUS_WORDS_PT_BR
from ticketing.errors import NotFound
from ticketing.ids import parse_id
from ticketing.metrics import emit

log = logging.getLogger(__name__)

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


# Seat-map views are counted in this process and written at most once per SEAT_MAP_VIEWS_FLUSH_SECONDS (one
# statement for every sector seen meanwhile), so an anonymous read never turns into a write per request.
# A Lambda environment that is recycled loses at most that many seconds of its counts: a statistic, not money.
SEAT_MAP_VIEWS_FLUSH_SECONDS = 30.0
_ADD_SEAT_MAP_VIEWS = """
    INSERT INTO sector_views (sector_id, slot, views)
    SELECT counted.sector_id, floor(random() * 8)::smallint, counted.views
      FROM unnest(%(sector_ids)s::uuid[], %(views)s::int[]) AS counted(sector_id, views)
    ON CONFLICT (sector_id, slot) DO UPDATE SET views = sector_views.views + EXCLUDED.views
"""


class SeatMapViewCounter:
    """Views per sector since the last write; flushed by the first view after the interval."""

    def __init__(self, flush_seconds: float = SEAT_MAP_VIEWS_FLUSH_SECONDS) -> None:
        self.flush_seconds = flush_seconds
        self._pending: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()

    def count(self, sector_id: str) -> None:
        with self._lock:
            self._pending[str(sector_id)] += 1
            due = time.monotonic() - self._last_flush >= self.flush_seconds
        if due:
            try:
                self.flush()
            except Exception:  # a statistic never fails the read that counted it; kept for the next flush
                log.warning("seat map views not written yet", exc_info=True)

    def flush(self) -> None:
        """Write what was counted (one statement); on failure the counts are kept for the next flush."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._last_flush = time.monotonic()
        if not pending:
            return
        try:
            db.fetch_all(
                _ADD_SEAT_MAP_VIEWS + " RETURNING views",
                {"sector_ids": list(pending), "views": list(pending.values())},
            )
        except Exception:
            with self._lock:
                self._pending.update(pending)
            raise


seat_map_views = SeatMapViewCounter()


def count_seat_map_view(sector_id: str) -> None:
    """One more view of a sector's seat map (the report's seat_map_views), written later in a batch."""
    seat_map_views.count(sector_id)
    emit("SeatMapViews", sector_id=str(sector_id))


WAITLIST_COUNTS = ("waiting", "offered", "converted", "lapsed")


def event_report(caller: Caller, event_id: str) -> dict:
    """GET /events/{id}/report for the event's organizer."""
    event_uuid = parse_id(event_id, "event")
    if db.fetch_one(orders_sql.own_event, {"event_id": event_uuid, "sub": caller.sub}) is None:
        raise NotFound("No such event")
    seat_map_views.flush()  # this process's views not written yet (in AWS other environments flush their own)
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
                "tiers": sales.get("tiers", []),
                "waitlist": sales.get("waitlist", dict.fromkeys(WAITLIST_COUNTS, 0)),
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
        "tickets_transferred": db.fetch_one(sql.tickets_transferred, {"event_id": event_uuid})["n"],
        "sales_by_day": totals["sales_by_day"],
    }


def report_csv(report: dict) -> str:
    """The same report as CSV: one row for the event, then a row per sector, add-on and order status."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(_report_rows(report))
    return out.getvalue()


# The pt-BR CSV (?format=csv&locale=pt-BR) for a Portuguese spreadsheet: the machine CSV's rows and columns,
# with Portuguese headers and kinds, `;` between fields, amounts in reais with a decimal comma, and a BOM so
# Excel reads UTF-8. Then one row per day of sales and per lote.
CSV_LOCALES = ("pt-BR",)
PT_BR_HEADERS = {
    "kind": "tipo",
    "id": "id",
    "name": "nome",
    "capacity": "capacidade",
    "available": "disponíveis",
    "tickets_sold": "ingressos vendidos",
    "quantity": "quantidade",
    "revenue_cents": "receita (R$)",
    "fees_cents": "taxas (R$)",
    "net_cents": "líquido (R$)",
    "seat_map_views": "visualizações do mapa",
    "orders": "pedidos",
}
PT_BR_KINDS = {
    "event": "evento",
    "sector": "setor",
    "product": "adicional",
    "orders": "pedidos",
    "day": "dia",
    "tier": "lote",
}
BOM = "\ufeff"


def brazilian_amount(cents: int) -> str:
    """123300 -> "1.233,00" (a thousands dot, a decimal comma; no currency sign, so it stays a number)."""
    sign = "-" if cents < 0 else ""
    cents = abs(int(cents))
    return f"{sign}{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d}"


def _report_rows(report: dict, *, pt_br: bool = False) -> list[dict]:
    """The CSV rows in the machine CSV's columns (amounts still in cents); the pt-BR CSV adds a row per lote
    and per day of sales, and names order statuses in Portuguese."""
    rows: list[dict] = [
        {
            "kind": "event",
            "id": report["event_id"],
            "tickets_sold": report["tickets_sold"],
            "revenue_cents": report["revenue_cents"],
            "fees_cents": report["fees_cents"],
            "net_cents": report["net_cents"],
        }
    ]
    for sector in report["by_sector"]:
        rows.append(
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
        for tier in (sector.get("tiers") or []) if pt_br else []:
            rows.append(
                {
                    "kind": "tier",
                    "id": sector["sector_id"],
                    "name": f"{sector['name']} — {tier['name']} ({brazilian_amount(tier['price_cents'])})",
                    "tickets_sold": tier["sold"],
                }
            )
    for product in report["products_sold"]:
        rows.append(
            {
                "kind": "product",
                "id": product["product_id"],
                "name": product["name"],
                "quantity": product["quantity"],
                "revenue_cents": product["revenue_cents"],
                "net_cents": product["revenue_cents"],
            }
        )
    for day in (report.get("sales_by_day") or []) if pt_br else []:
        year, month, date = day["date"].split("-")
        rows.append(
            {
                "kind": "day",
                "name": f"{date}/{month}/{year}",
                "tickets_sold": day["tickets"],
                "revenue_cents": day["revenue_cents"],
            }
        )
    for status, count in sorted(report["orders_by_status"].items()):
        name = ORDER_STATUS_WORDS_PT_BR.get(status, status) if pt_br else status
        rows.append({"kind": "orders", "name": name, "orders": count})
    return rows


def report_csv_pt_br(report: dict) -> str:
    """The report as a CSV a Portuguese Excel opens as it is (the text to send as UTF-8, BOM included)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([PT_BR_HEADERS[column] for column in CSV_COLUMNS])
    for row in _report_rows(report, pt_br=True):
        cells = []
        for column in CSV_COLUMNS:
            value = row.get(column)
            if value is None:
                cells.append("")
            elif column == "kind":
                cells.append(PT_BR_KINDS[value])
            elif column.endswith("_cents"):
                cells.append(brazilian_amount(value))
            else:
                cells.append(value)
        writer.writerow(cells)
    return BOM + out.getvalue()
