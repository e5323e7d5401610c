"""Payments: start one (card decided at once; PIX and boleto pending) and settle one from the webhook.

Python reads the order once to compute the artifacts (BR Code, boleto line, card brand); one SQL function
then decides everything atomically. The full card number and CVV live only in this request's memory:
they are never stored, hashed into the idempotency record, or logged.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ValidationError

from ticketing import db, payments_provider
from ticketing.api.bounds import parse_json
from ticketing.api.payments import PaymentIn, WebhookIn
from ticketing.auth import Caller
from ticketing.config import settings
from ticketing.db import payments as sql
from ticketing.domain import boleto, card, pix
from ticketing.errors import (
    InvalidState,
    Malformed,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
)
from ticketing.ids import parse_id
from ticketing.metrics import emit
from ticketing.services import outbox
from ticketing.services.orders import idempotency
from ticketing.times import utc_text
from ticketing.webhook import signature_valid, webhook_secret

Notice = TypeVar("Notice", bound=BaseModel)
log = logging.getLogger("ticketing.payments")

DECLINED_TEST_CARD = "4000000000000002"
PIX_MINUTES = 30
BOLETO_DAYS = 3
MIN_INSTALLMENT_CENTS = 500


@dataclass(frozen=True)
class PaymentStarted:
    """A payment as `create_payment` started it, or as it was started the first time (`replayed`: the same
    request again with the same Idempotency-Key)."""

    payment: dict
    replayed: bool


def _now() -> datetime:
    return datetime.now(UTC)


def _checked_card(body: PaymentIn) -> dict:
    """The card fields that may be kept (brand, last four) and the provider's answer; 422 when invalid."""
    if body.card is None:
        raise ValidationFailed.field("card", "required when method is card")
    number = body.card.number.get_secret_value()
    if not card.luhn_valid(number):
        raise ValidationFailed.field("card.number", "is not a valid card number")
    cvv = body.card.cvv.get_secret_value()
    if not cvv.isascii() or not cvv.isdigit():
        raise ValidationFailed.field("card.cvv", "must be 3 or 4 digits")
    today = _now().date()
    if (body.card.exp_year, body.card.exp_month) < (today.year, today.month):
        raise ValidationFailed.field("card.exp_year", "the card has expired")
    digits = card.normalize_card_number(number)
    return {
        "card_brand": card.card_brand(digits),
        "card_last4": card.last_four(digits),
        # The simulated provider: one test number is declined, every other valid number approved.
        "card_outcome": "declined" if digits == DECLINED_TEST_CARD else "approved",
    }


def _fingerprint(order_id: str, body: PaymentIn, card_fields: dict | None) -> dict:
    """What the Idempotency-Key is compared on: the request without the card number and CVV."""
    described: dict = {"order_id": order_id, "method": body.method, "installments": body.installments}
    if body.card is not None:
        described["card"] = {
            "brand": card_fields["card_brand"] if card_fields else None,
            "last4": card_fields["card_last4"] if card_fields else None,
            "exp_month": body.card.exp_month,
            "exp_year": body.card.exp_year,
            "holder": body.card.holder,
        }
    return described


def _event_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("America/Sao_Paulo")


def boleto_deadline(now: datetime, starts_at: datetime, timezone: str) -> tuple[date, datetime]:
    """Due date (3 days ahead in the event's zone, never after the event's day) and the moment it lapses
    (the end of the due date there, never after the event starts)."""
    zone = _event_zone(timezone)
    due = min(now.astimezone(zone).date() + timedelta(days=BOLETO_DAYS), starts_at.astimezone(zone).date())
    end_of_due = datetime.combine(due + timedelta(days=1), time(0), tzinfo=zone)
    return due, min(end_of_due, starts_at).astimezone(UTC)


def boleto_free_field(payment_id: uuid.UUID) -> str:
    """25 digits derived from the payment id (the bank's "nosso número" area), so one slip names one payment."""
    return f"{payment_id.int % 10**25:025d}"


def pix_txid(payment_id: uuid.UUID) -> str:
    """The API Pix charge's txid: the payment id's 32 hex digits (26 to 35 letters and digits)."""
    return payment_id.hex


def _pix_charge(order: dict, payment_id: uuid.UUID, expires_at: datetime, due: date | None) -> dict:
    """Create the charge at the provider (a `cob`, or for a boleto a `cobv` due on the boleto's date) and
    the dynamic BR Code pointing at it. 503 when the provider does not answer."""
    cfg = settings()
    amount = int(order["total_cents"])
    txid = pix_txid(payment_id)
    description = f"Pedido {order['id']} - {order['event_name']}"
    try:
        if due is None:
            seconds = int((expires_at - _now()).total_seconds())
            charge = payments_provider.provider().create_charge(txid, amount, seconds, description)
        else:
            debtor = payments_provider.Debtor(
                cpf=order.get("buyer_cpf") or "", name=order.get("buyer_name") or ""
            )
            charge = payments_provider.provider().create_due_charge(txid, amount, due, debtor, description)
    except payments_provider.ProviderUnavailable as exc:
        emit("PixProviderFailures", operation="create_charge")
        raise ServiceUnavailable("The PIX provider is not answering; try again in a moment") from exc
    return {
        "pix_txid": charge.txid,
        "pix_location": charge.location,
        "pix_copy_paste": pix.build_dynamic_pix_payload(
            charge.location, amount, cfg.merchant_name, cfg.merchant_city
        ),
    }


def _may_be_paid(order: dict) -> bool:
    """Worth a charge at the provider: a live hold. Otherwise start_payment refuses the payment with the
    precise reason (409), and no charge is left behind at the provider."""
    return order["status"] == "reserved" and order["expires_at"] > _now()


def _artifacts(body: PaymentIn, order: dict, payment_id: uuid.UUID, card_fields: dict | None) -> dict:
    amount = int(order["total_cents"])
    now = _now()
    if body.method == "card":
        limit = int(order["max_installments"])
        if body.installments > limit:
            raise ValidationFailed.field("installments", f"at most {limit} for this event")
        if amount // body.installments < MIN_INSTALLMENT_CENTS:
            raise ValidationFailed.field("installments", "each instalment must be at least R$ 5,00")
        return {
            **(card_fields or {}),
            "installments": body.installments,
            "installment_cents": amount // body.installments,
        }
    if body.installments != 1:
        raise ValidationFailed.field("installments", "only card payments take instalments")
    cfg = settings()
    if body.method == "pix":
        expires_at = min(now + timedelta(minutes=PIX_MINUTES), order["starts_at"])
        charge = _pix_charge(order, payment_id, expires_at, None) if _may_be_paid(order) else {}
        return {**charge, "expires_at": utc_text(expires_at)}
    due_date, expires_at = boleto_deadline(now, order["starts_at"], order["timezone"])
    code = boleto.barcode(cfg.boleto_bank, amount, due_date, boleto_free_field(payment_id))
    return {
        "boleto_barcode": code,
        "boleto_line": boleto.typeable_line(code),
        "due_date": due_date.isoformat(),
        "expires_at": utc_text(expires_at),
        # boleto híbrido: the same slip also carries a PIX charge due on the same date (a cobv needs the
        # debtor's CPF: without one the boleto stays a plain boleto)
        **(
            _pix_charge(order, payment_id, expires_at, due_date)
            if order.get("buyer_cpf") and _may_be_paid(order)
            else {}
        ),
    }


def with_qr_code(payment: dict) -> dict:
    """The payment as answered: a PIX payment also carries its QR image (computed, never stored). A boleto
    híbrido carries only its copy-and-paste code (the contract lists the image for PIX payments)."""
    if (
        payment.get("method") == "pix"
        and payment.get("pix_copy_paste")
        and payment.get("status") == "pending"
    ):
        return {**payment, "pix_qr_png": pix.pix_qr_png_data_url(payment["pix_copy_paste"])}
    return payment


def create_payment(
    caller: Caller, order_id: str, body: PaymentIn, idempotency_key: str | None = None
) -> PaymentStarted:
    """POST /orders/{id}/payments: pay a reserved order by card (decided at once), PIX or boleto (pending).

    With an Idempotency-Key, a repeat of the same request returns the first payment (`replayed`)."""
    card_fields = _checked_card(body) if body.method == "card" else None
    if body.method != "card" and body.card is not None:
        raise ValidationFailed.field("card", "only for card payments")
    order_uuid = parse_id(order_id, "order")
    idem = idempotency("create_payment", idempotency_key, _fingerprint(str(order_uuid), body, card_fields))
    order = db.fetch_one(sql.order_to_pay, {"order_id": order_uuid, "sub": caller.sub})
    if order is None:
        raise NotFound("No such order")
    if int(order["total_cents"]) <= 0:
        raise InvalidState("This order has nothing to pay")
    payment_id = uuid.uuid4()
    payload = {
        "payment_id": str(payment_id),
        "order_id": str(order_uuid),
        "user_sub": caller.sub,
        "method": body.method,
        "amount_cents": int(order["total_cents"]),
        "idempotency": idem,
        **_artifacts(body, order, payment_id, card_fields),
    }
    result = db.call_json(sql.start_payment, (json.dumps(payload),))
    payment = result["payment"]
    if not result["replayed"]:
        emit("Payments", method=body.method, outcome=payment["status"])
        if payment["status"] in ("approved", "pending"):
            emit(
                "OrderTransitions",
                to_status="paid" if payment["status"] == "approved" else "awaiting_payment",
            )
    if result.get("outbox"):
        # Only what this decision queued: a backlog is the scheduled publisher's job, not the buyer's wait.
        outbox.publish_after_commit([payload["order_id"], payload["payment_id"]])
    return PaymentStarted(payment=with_qr_code(payment), replayed=bool(result.get("replayed")))


def settle_payment(payment_id: str, status: str) -> dict:
    """What the provider says happened to a payment; duplicates and reordering are harmless.

    Returns {payment_id, status, order_status}; publishes what the decision queued."""
    result = db.call_json(sql.settle_payment, (parse_id(payment_id, "payment"), status))
    emit("Payments", method="webhook", outcome=str(result.get("status")))
    if result.pop("outbox", False):
        outbox.publish_after_commit([result["order_id"], result["payment_id"]])
        _cancel_pix_charge_of_paid_boleto(result["payment_id"])
    result.pop("order_id", None)
    return result


def _cancel_pix_charge_of_paid_boleto(payment_id: str) -> None:
    """Boleto híbrido: once the slip paid it, its PIX charge (cobv) is withdrawn at the provider so it cannot be
    paid too. Best effort: a PIX that still arrives is devolved on its own (receive_pix: 'extra')."""
    row = db.fetch_one(sql.boleto_paid_by_slip, (payment_id,))
    if row is None:
        return
    try:
        payments_provider.provider().cancel_charge(row["pix_txid"], due=True)
    except (payments_provider.ProviderUnavailable, payments_provider.ProviderRefused) as exc:
        log.warning(
            "the PIX charge of a paid boleto stays open", extra={"payment_id": payment_id, "error": str(exc)}
        )


def signed_notice(raw_body: bytes, signature: str | None, secret: bytes, model: type[Notice]) -> Notice:
    """A provider's webhook notice: the signature over the raw bytes is checked first (401), then the body
    must be a JSON object (400; 422 nested too deep) that `model` accepts (422 naming the field)."""
    if not signature_valid(raw_body, signature, secret):
        emit("WebhookSignatureFailures")
        raise Unauthorized("Missing or invalid X-Signature")
    document = parse_json(raw_body or b"")
    if not isinstance(document, dict):
        raise Malformed("The request body must be a JSON object")
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(exc.errors()) from None


def handle_webhook(raw_body: bytes, signature: str | None) -> dict:
    """POST /payments/webhook: check the signature over the raw bytes first (401), then parse and settle."""
    notice = signed_notice(raw_body, signature, webhook_secret(), WebhookIn)
    return settle_payment(str(notice.payment_id), notice.status)
