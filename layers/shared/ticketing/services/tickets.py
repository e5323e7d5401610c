"""E-tickets: their unguessable codes, their PDFs in S3, and the buyer's list of them."""

from __future__ import annotations

import secrets

from ticketing import db, documents
from ticketing.auth import Caller
from ticketing.db import tickets as sql
from ticketing.errors import NotFound
from ticketing.ids import parse_id

CODE_BYTES = 24  # 192 random bits: guessing a valid code is hopeless


def new_code() -> str:
    """A ticket code: 32 URL-safe characters from 24 random bytes."""
    return secrets.token_urlsafe(CODE_BYTES)


def write_ticket_pdfs(order_id: str) -> int:
    """Write (or overwrite) the PDF of every ticket of the order; returns how many."""
    rows = db.fetch_all(sql.tickets_for_documents, (order_id,))
    for row in rows:
        documents.put_pdf(documents.ticket_pdf_key(order_id, str(row["id"])), documents.ticket_pdf(row))
    return len(rows)


def list_tickets(caller: Caller, order_id: str) -> dict:
    """GET /orders/{id}/tickets: the buyer's tickets of a paid (or refunded) order, with PDF links.

    Anyone else's order, or an order never paid, is 404. The list is empty until the tickets are issued;
    pdf_url is null until the PDFs are written."""
    order_uuid = parse_id(order_id, "order")
    order = db.fetch_one(sql.order_of_owner, {"order_id": order_uuid, "sub": caller.sub})
    if order is None:
        raise NotFound("No paid order with this id")
    written = order["tickets_written_at"] is not None
    items = [
        {
            "id": str(row["id"]),
            "code": row["code"],
            "sector": row["sector"],
            "seat_label": row["seat_label"],
            "type": row["type"],
            "half_category": row["half_category"],
            "checked_in_at": row["checked_in_at"],
            "valid": not row["cancelled"],
            "pdf_url": documents.download_link(documents.ticket_pdf_key(str(order_uuid), str(row["id"])))
            if written
            else None,
        }
        for row in db.fetch_all(sql.tickets_of_order, (order_uuid,))
    ]
    return {"items": items, "next_cursor": None}
