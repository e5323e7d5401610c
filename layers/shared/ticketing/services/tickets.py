"""E-tickets: their unguessable codes, their PDFs in S3, the buyer's and the holder's lists of them, and
transfers from one holder to another."""

from __future__ import annotations

import logging
import secrets

from ticketing import db, documents
from ticketing.api.after_payment import TransferIn
from ticketing.auth import Caller
from ticketing.db import tickets as sql
from ticketing.domain.email import email_for_lookup
from ticketing.errors import DomainError, NotFound
from ticketing.ids import parse_id
from ticketing.metrics import emit

log = logging.getLogger("ticketing.tickets")

CODE_BYTES = 24  # 192 random bits: guessing a valid code is hopeless


def new_code() -> str:
    """A ticket code: 32 URL-safe characters from 24 random bytes."""
    return secrets.token_urlsafe(CODE_BYTES)


def write_ticket_pdfs(order_id: str) -> int:
    """Write (or overwrite) the PDF of every ticket of the order; returns how many."""
    rows = db.fetch_all(sql.tickets_for_documents, (order_id,))
    for row in rows:
        documents.put_pdf(_pdf_key(row), documents.ticket_pdf(row))
    return len(rows)


def _pdf_key(row: dict) -> str:
    transfer = row.get("transfer_id")
    return documents.ticket_pdf_key(str(row["order_id"]), str(row["id"]), str(transfer) if transfer else None)


def list_tickets(caller: Caller, order_id: str) -> dict:
    """GET /orders/{id}/tickets: the buyer's tickets of a paid (or refunded) order, with PDF links.

    Anyone else's order, or an order never paid, is 404. The list is empty until the tickets are issued;
    pdf_url is null until the PDFs are written. A ticket transferred away stays listed (the order and its
    invoice stay the buyer's) without its code or PDF: `transferred` says so."""
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
            if written and not row["transferred"]
            else None,
            "transferred": row["transferred"],
        }
        for row in db.fetch_all(sql.tickets_of_order, (order_uuid,))
    ]
    return {"items": items, "next_cursor": None}


def held_ticket_fields(row: dict) -> dict:
    """What GET /tickets and the data export both say of a ticket held (a row of tickets_of_holder)."""
    return {
        "sector": row["sector"],
        "seat_label": row["seat_label"],
        "type": row["type"],
        "half_category": row["half_category"],
        "status": row["status"],
        "checked_in_at": row["checked_in_at"],
        "received": row["received"],
    }


def held_tickets(caller: Caller) -> dict:
    """GET /tickets: every ticket I hold now, bought (and not transferred away) or received, with its event,
    status (valid, checked_in, refunded), code and PDF link."""
    items = [
        {
            "id": str(row["id"]),
            "code": row["code"],
            "event": {
                "id": str(row["event_id"]),
                "name": row["event_name"],
                "venue": row["venue"],
                "starts_at": row["starts_at"],
                "timezone": row["timezone"],
                "status": row["event_status"],
            },
            **held_ticket_fields(row),
            "order_id": None if row["received"] else str(row["order_id"]),
            "pdf_url": documents.download_link(_pdf_key(row)) if row["pdf_written"] else None,
        }
        for row in db.fetch_all(sql.tickets_of_holder, {"sub": caller.sub})
    ]
    return {"items": items, "next_cursor": None}


def transfer_ticket(caller: Caller, ticket_id: str, body: TransferIn) -> dict:
    """POST /tickets/{id}/transfer: the ticket goes to the account with this e-mail, with a new code that
    only its new holder sees (GET /tickets) and a new PDF; the old code no longer checks in. The answer is
    the ticket as the recipient holds it, without its code. Both people get an e-mail (outbox)."""
    ticket_uuid = parse_id(ticket_id, "ticket")
    email = email_for_lookup(body.email)  # an address no account could have matches no one: 404
    try:
        moved = db.call_json(
            sql.transfer_ticket, (ticket_uuid, caller.sub, email, body.half_category, new_code())
        )
    except DomainError as exc:
        emit("TicketTransfers", outcome=exc.name)
        raise
    emit("TicketTransfers", outcome="transferred")
    row = db.fetch_one(sql.ticket_for_document, (ticket_uuid,))
    if row is not None and str(row["transfer_id"]) == str(moved["transfer_id"]):
        try:
            documents.put_pdf(_pdf_key(row), documents.ticket_pdf(row))
        except Exception:  # the transfer stands; the holder's PDF link answers 404 until written again
            log.exception("could not write the PDF of transferred ticket %s", ticket_uuid)
    return {
        "id": moved["ticket_id"],
        "event_id": moved["event_id"],
        "sector": moved["sector"],
        "seat_label": moved["seat_label"],
        "type": moved["type"],
        "half_category": moved["half_category"],
        "checked_in_at": moved["checked_in_at"],
        "holder_email": moved["holder_email"],
        "transferred_at": moved["transferred_at"],
    }
