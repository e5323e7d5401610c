"""Invoices (NF-e in spirit) for paid orders, and the documents that follow them.

Order of work, so that "one invoice per order" holds and nothing is lost:
1. one short transaction locks the order, takes the series' next number (UPDATE ... RETURNING, so a
   rollback leaves no gap), inserts the invoice (unique per order) and the order's e-tickets;
2. after the commit, each document step runs and is marked done on the invoice row: the invoice JSON in
   S3, the ticket PDFs, the cancellation record (refunded orders), the buyer's e-mail.
A redelivered message, a racing worker or the repair sweep finds the invoice and does only what is
unmarked; S3 writes are overwrites of one predictable key, so repeating one is harmless.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from ticketing import db, documents
from ticketing.auth import Caller
from ticketing.config import settings
from ticketing.db import invoices as sql
from ticketing.domain import nfe
from ticketing.errors import NotFound
from ticketing.ids import parse_id
from ticketing.metrics import emit
from ticketing.services import outbox, tickets
from ticketing.times import utc_text

log = logging.getLogger("ticketing.invoices")

MODEL = 55
EMISSION_NORMAL = 1
ISSUER_ZONE = ZoneInfo("America/Sao_Paulo")  # AAMM of the key: the issuer's calendar month
UF_CODES = {
    "RO": 11, "AC": 12, "AM": 13, "RR": 14, "PA": 15, "AP": 16, "TO": 17,
    "MA": 21, "PI": 22, "CE": 23, "RN": 24, "PB": 25, "PE": 26, "AL": 27, "SE": 28, "BA": 29,
    "MG": 31, "ES": 32, "RJ": 33, "SP": 35, "PR": 41, "SC": 42, "RS": 43, "MS": 50, "MT": 51, "GO": 52, "DF": 53,
}  # fmt: skip
METHOD_NAMES = {"pix": "PIX", "card": "Cartão de crédito", "boleto": "Boleto bancário"}


class CannotInvoice(Exception):
    """A paid-order message names an order that does not exist or is not paid: retried, then the DLQ."""


@dataclass(frozen=True)
class Issuer:
    name: str
    cnpj: str
    state: str
    address: str
    city: str
    series: int

    @property
    def uf_code(self) -> int:
        return UF_CODES[self.state]


@lru_cache(maxsize=1)
def issuer() -> Issuer:
    """The company that issues the invoices, from configuration (defaults fit local runs)."""
    env = os.environ
    found = Issuer(
        name=env.get("ISSUER_NAME", "Ticketing Eventos Ltda"),
        cnpj=nfe.normalize_cnpj(env.get("ISSUER_CNPJ", "11222333000181")),
        state=env.get("ISSUER_UF", "SP").strip().upper(),
        address=env.get("ISSUER_ADDRESS", "Avenida Paulista, 1000"),
        city=env.get("ISSUER_CITY", "São Paulo"),
        series=int(env.get("INVOICE_SERIES", "1")),
    )
    if found.state not in UF_CODES:
        raise RuntimeError(f"ISSUER_UF {found.state!r} is not a Brazilian state")
    if not nfe.is_valid_cnpj(found.cnpj):
        raise RuntimeError("ISSUER_CNPJ has wrong check digits")
    return found


def invoice_items(order: dict) -> list[dict]:
    """The invoice lines of an order document: each ticket line, the service fee, each add-on."""
    items: list[dict] = []
    for line in order["tickets"]:
        description = f"Ingresso {line['sector']}" + (
            f" {line['seat_label']}" if line.get("seat_label") else ""
        )
        description += " - " + documents.ticket_type_text(line["type"], line.get("half_category"))
        items.append(
            {
                "kind": "ticket",
                "description": description,
                "sector": line["sector"],
                "seat_label": line.get("seat_label"),
                "type": line["type"],
                "half_category": line.get("half_category"),
                "quantity": line["quantity"],
                "unit_cents": line["unit_price_cents"],
                "total_cents": line["quantity"] * line["unit_price_cents"],
            }
        )
    if order["fee_cents"]:
        items.append(
            {
                "kind": "service_fee",
                "description": "Taxa de conveniência",
                "quantity": 1,
                "unit_cents": order["fee_cents"],
                "total_cents": order["fee_cents"],
            }
        )
    for product in order["products"]:
        items.append(
            {
                "kind": "product",
                "description": product["name"],
                "product_id": product["product_id"],
                "quantity": product["quantity"],
                "unit_cents": product["unit_price_cents"],
                "total_cents": product["quantity"] * product["unit_price_cents"],
            }
        )
    return items


def invoice_document(
    source: dict, company: Issuer, number: int, access_key: str, issued_at: datetime
) -> dict:
    """The invoice JSON: issuer, buyer, items, totals in cents, payment, issue time, access key."""
    order = source["doc"]
    payment = order.get("payment") or {}
    return {
        "model": MODEL,
        "series": company.series,
        "number": number,
        "access_key": access_key,
        "emission_type": EMISSION_NORMAL,
        "issued_at": utc_text(issued_at),
        "nature_of_operation": "Venda de ingressos e produtos",
        "issuer": {
            "name": company.name,
            "cnpj": company.cnpj,
            "address": company.address,
            "city": company.city,
            "state": company.state,
        },
        "buyer": {"name": source["buyer_name"], "cpf": source["buyer_cpf"]},
        "order_id": str(source["order_id"]),
        "event": {
            "id": str(source["event_id"]),
            "name": source["event_name"],
            "venue": source["venue"],
            "starts_at": utc_text(source["starts_at"]),
        },
        "items": invoice_items(order),
        "totals": {
            "tickets_cents": order["tickets_cents"],
            "fees_cents": order["fee_cents"],
            "products_cents": order["products_cents"],
            "total_cents": order["total_cents"],
        },
        "payment": {
            "method": payment.get("method"),
            "installments": payment.get("installments", 1),
            "installment_cents": payment.get("installment_cents", order["total_cents"]),
            "amount_cents": payment.get("amount_cents", order["total_cents"]),
        },
    }


def issue_invoice(order_id: str) -> dict:
    """Issue the order's invoice and e-tickets once; returns the invoice row (the existing one on a repeat).

    Raises CannotInvoice for an unknown or unpaid order."""
    existing = db.fetch_one(sql.invoice_of_order, (order_id,))
    if existing is not None:
        return existing
    source = db.fetch_one(sql.invoice_source, {"order_id": order_id})
    if source is None or source["status"] not in ("paid", "refunded"):
        raise CannotInvoice(f"order {order_id} is {'unknown' if source is None else source['status']}")
    company = issuer()
    codes = [tickets.new_code() for _ in range(int(source["ticket_count"]))]
    with db.connection() as conn, conn.transaction():
        locked = conn.execute(sql.lock_order_for_invoice, (order_id,)).fetchone()["result"]
        if locked["invoice_id"] is None:
            number = conn.execute(sql.take_invoice_number, (company.series,)).fetchone()["number"]
            # Taken under the series lock, so issue times follow the numbers.
            issued_at = datetime.now(UTC).replace(microsecond=0)
            key = nfe.access_key(
                uf_code=company.uf_code,
                year_month=issued_at.astimezone(ISSUER_ZONE).strftime("%y%m"),
                cnpj=company.cnpj,
                model=MODEL,
                series=company.series,
                number=number,
                emission_type=EMISSION_NORMAL,
                random_code=secrets.randbelow(10**8),
            )
            conn.execute(
                sql.insert_invoice,
                {
                    "order_id": order_id,
                    "series": company.series,
                    "number": number,
                    "access_key": key,
                    "issued_at": issued_at,
                    "document_key": documents.invoice_key(str(source["event_id"]), order_id),
                    "document": json.dumps(invoice_document(source, company, number, key, issued_at)),
                },
            )
            conn.execute(sql.create_order_tickets, (order_id, codes))
            issued = True
        else:
            issued = False
    if issued:
        emit("InvoicesIssued")
        if source["paid_at"] is not None:
            emit("InvoiceLag", max(0.0, (issued_at - source["paid_at"]).total_seconds()))
    return db.fetch_one(sql.invoice_of_order, (order_id,))


def write_cancellation(invoice: dict) -> None:
    """Write the cancellation record of a cancelled invoice beside it, once marked (repeat-safe)."""
    if invoice["cancelled_at"] is None or invoice["cancellation_written_at"] is not None:
        return
    documents.put_json(
        documents.cancellation_key(str(invoice["event_id"]), str(invoice["order_id"])),
        {
            "type": "invoice.cancellation",
            "order_id": str(invoice["order_id"]),
            "series": invoice["series"],
            "number": invoice["number"],
            "access_key": invoice["access_key"],
            "reason": invoice["cancellation_reason"],
            "cancelled_at": utc_text(invoice["cancelled_at"]),
        },
    )
    _run(sql.mark_cancellation_written, invoice["id"])


def _run(statement: str, *params: Any) -> None:
    with db.connection() as conn:
        conn.execute(statement, params)


def write_cancellation_of_order(order_id: str) -> None:
    """After a refund's commit: write the invoice's cancellation record if there is an invoice.

    Never raises: the refund stands; the repair sweep writes what is missing."""
    try:
        invoice = db.fetch_one(sql.invoice_of_order, (order_id,))
        if invoice is not None:
            write_cancellation(invoice)
    except Exception:
        log.exception(
            "cancellation record not written; the repair sweep retries", extra={"order_id": order_id}
        )


def invoice_email(invoice: dict) -> tuple[str, str]:
    """Subject and text of the e-mail that sends the buyer the invoice and the tickets."""
    base = os.environ.get("PUBLIC_API_URL") or "http://127.0.0.1:3000"
    if settings().stage == "local":  # the template's URL names API Gateway; locally the API is here
        base = f"http://127.0.0.1:{os.environ.get('PORT', '3000')}"
    base = base.rstrip("/")
    order_id = invoice["order_id"]
    subject = f"Seus ingressos para {invoice['event_name']} - NF-e nº {invoice['number']}"
    text = (
        f"Olá, {invoice['buyer_name']}.\n\n"
        f"Seu pagamento foi confirmado. Emitimos a nota fiscal nº {invoice['number']}, série "
        f"{invoice['series']}, chave de acesso {invoice['access_key']}.\n\n"
        f"Nota fiscal: {base}/orders/{order_id}/invoice\n"
        f"Ingressos (PDF com QR Code): {base}/orders/{order_id}/tickets\n\n"
        "Entre com a sua conta para abrir os links. Cada QR Code vale uma entrada: não compartilhe.\n"
    )
    return subject, text


def send_invoice_email(invoice: dict) -> None:
    """E-mail the buyer once: claimed first, so two workers never both send; released if sending fails."""
    if invoice["emailed_at"] is not None or invoice["cancelled_at"] is not None:
        return
    if invoice.get("buyer_anonymised"):
        # The account was deleted: nobody to write to. The step counts as done, or the repair sweep would
        # come back for it forever.
        _run(sql.mark_emailed, invoice["id"])
        return
    if db.fetch_one(sql.claim_email, (invoice["id"],)) is None:
        return  # sent, or being sent by another worker right now
    subject, text = invoice_email(invoice)
    try:
        outbox.SENDERS["email"]({"to": invoice["buyer_email"], "subject": subject, "text": text})
    except Exception:
        _run(sql.release_email_claim, invoice["id"])
        raise
    _run(sql.mark_emailed, invoice["id"])


def complete_documents(invoice: dict) -> None:
    """Do every after-commit step the invoice row does not mark as done. Raises when one fails."""
    if invoice["written_at"] is None:
        documents.put_json(invoice["document_key"], invoice["document"])
        _run(sql.mark_invoice_written, invoice["id"])
    if invoice["tickets_written_at"] is None:
        tickets.write_ticket_pdfs(str(invoice["order_id"]))
        _run(sql.mark_tickets_written, invoice["id"])
    write_cancellation(invoice)
    send_invoice_email(invoice)


def process_paid_order(order_id: str) -> dict:
    """What one paid-order message does: issue the invoice and tickets (once), then their documents.

    Returns {order_id, number, access_key}. Safe to repeat and to run concurrently for one order."""
    invoice = issue_invoice(order_id)
    complete_documents(invoice)
    return {"order_id": order_id, "number": invoice["number"], "access_key": invoice["access_key"]}


def complete_pending_documents(limit: int = 100, min_age_seconds: int = 60) -> dict[str, int]:
    """The repair sweep (scheduled): finish invoices whose after-commit steps were interrupted."""
    done = failed = 0
    for row in db.fetch_all(sql.unfinished_invoices, {"limit": limit, "min_age_seconds": min_age_seconds}):
        try:
            complete_documents(db.fetch_one(sql.invoice_of_order, (row["order_id"],)))
            done += 1
        except Exception:
            failed += 1
            log.exception("invoice documents still unfinished", extra={"order_id": str(row["order_id"])})
    return {"completed": done, "failed": failed}


def get_invoice(caller: Caller, order_id: str) -> dict:
    """GET /orders/{id}/invoice: for the buyer or the event's organizer, once the JSON is in S3 (404 before)."""
    row = db.fetch_one(sql.invoice_for_caller, {"sub": caller.sub, "order_id": parse_id(order_id, "order")})
    if row is None or row["written_at"] is None:
        raise NotFound("No invoice for this order yet")
    body = {
        "number": row["number"],
        "series": row["series"],
        "access_key": row["access_key"],
        "issued_at": utc_text(row["issued_at"]),
        "url": documents.download_link(row["document_key"]),
        "cancelled_at": utc_text(row["cancelled_at"]) if row["cancelled_at"] else None,
    }
    if row["cancellation_written_at"] is not None:
        body["cancellation_url"] = documents.download_link(
            documents.cancellation_key(str(row["event_id"]), str(row["order_id"]))
        )
    return body
