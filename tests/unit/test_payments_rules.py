"""Payment rules without I/O: the webhook signature, card checks, idempotency fingerprint, boleto
deadlines, PIX txid, the refund e-mail, and the settle script's signing."""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ticketing.api.payments import PaymentIn
from ticketing.domain import boleto
from ticketing.errors import ValidationFailed
from ticketing.services import payments
from ticketing.services.outbox import refund_due_email
from ticketing.webhook import sign, signature_valid

SECRET = b"unit-secret"
CARD = {"number": "4111 1111 1111 1111", "holder": "Ana", "exp_month": 1, "exp_year": 2099, "cvv": "321"}


def test_signature_is_hmac_sha256_of_the_raw_body():
    raw = b'{"payment_id": "x", "status": "approved"}'
    expected = "sha256=" + hmac.new(SECRET, raw, hashlib.sha256).hexdigest()
    assert sign(raw, SECRET) == expected
    assert signature_valid(raw, expected, SECRET)
    assert signature_valid(raw, expected.upper().replace("SHA256=", "sha256="), SECRET)


@pytest.mark.parametrize(
    "header",
    [None, "", "sha256=", "sha256=00", "md5=abc", "sha256=" + "0" * 64, "sha256=zz" + "0" * 62, "sha256=é"],
)
def test_bad_signatures_are_rejected(header):
    assert not signature_valid(b"{}", header, SECRET)


def test_a_signature_for_other_bytes_or_another_secret_is_rejected():
    raw = b'{"status": "approved"}'
    assert not signature_valid(raw + b" ", sign(raw, SECRET), SECRET)
    assert not signature_valid(raw, sign(raw, b"other"), SECRET)


def test_card_checks_keep_only_brand_last_four_and_the_outcome():
    kept = payments._checked_card(PaymentIn(method="card", card=CARD))
    assert kept == {"card_brand": "visa", "card_last4": "1111", "card_outcome": "approved"}
    declined = payments._checked_card(PaymentIn(method="card", card={**CARD, "number": "4000000000000002"}))
    assert declined["card_outcome"] == "declined"
    mastercard = payments._checked_card(PaymentIn(method="card", card={**CARD, "number": "5555555555554444"}))
    assert mastercard == {"card_brand": "mastercard", "card_last4": "4444", "card_outcome": "approved"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"number": "4111111111111112"}, "card.number"),
        ({"number": "4111-1111-1111-111x"}, "card.number"),
        ({"cvv": "12a"}, "card.cvv"),
        ({"exp_year": 2001}, "card.exp_year"),
    ],
)
def test_invalid_cards_are_422_on_the_right_field(change, field):
    with pytest.raises(ValidationFailed) as failure:
        payments._checked_card(PaymentIn(method="card", card={**CARD, **change}))
    assert failure.value.errors[0]["field"] == field
    assert "4111" not in json.dumps(failure.value.problem())


def test_the_idempotency_fingerprint_has_no_card_number_or_cvv():
    body = PaymentIn(method="card", card=CARD, installments=2)
    described = json.dumps(payments._fingerprint("o-1", body, payments._checked_card(body)))
    assert "4111111111111111" not in described and "321" not in described
    other_cvv = PaymentIn(method="card", card={**CARD, "cvv": "999"}, installments=2)
    assert described == json.dumps(payments._fingerprint("o-1", other_cvv, payments._checked_card(other_cvv)))
    assert described != json.dumps(payments._fingerprint("o-2", body, payments._checked_card(body)))


def test_the_parsed_body_never_shows_the_number_or_cvv():
    shown = repr(PaymentIn(method="card", card=CARD)) + str(PaymentIn(method="card", card=CARD).model_dump())
    assert "4111" not in shown and "321" not in shown


SAO_PAULO = "America/Sao_Paulo"


def test_boleto_is_due_three_days_ahead_in_the_event_time_zone():
    # 01:00 UTC on the 10th is still the 9th in São Paulo (UTC-3).
    now = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
    due, expires = payments.boleto_deadline(now, datetime(2026, 6, 1, tzinfo=UTC), SAO_PAULO)
    assert due == date(2026, 3, 12)
    assert expires == datetime(2026, 3, 13, 3, 0, tzinfo=UTC)  # midnight in São Paulo


def test_boleto_is_never_due_after_the_event_starts():
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    starts = datetime(2026, 3, 11, 23, 0, tzinfo=UTC)  # 20:00 on the 11th in São Paulo
    due, expires = payments.boleto_deadline(now, starts, SAO_PAULO)
    assert (due, expires) == (date(2026, 3, 11), starts)
    zone_due, _ = payments.boleto_deadline(now, starts, "Asia/Tokyo")  # already the 12th there
    assert zone_due == starts.astimezone(ZoneInfo("Asia/Tokyo")).date()


def test_boleto_free_field_and_pix_txid_come_from_the_payment_id():
    payment_id = uuid.UUID("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9")
    free = payments.boleto_free_field(payment_id)
    assert len(free) == 25 and free.isdigit()
    assert free != payments.boleto_free_field(uuid.uuid4())
    code = boleto.barcode("001", 12345, date(2026, 3, 12), free)
    assert boleto.describe(code).free_field == free
    txid = payments.pix_txid(payment_id)
    # API Pix (issue 20): a charge's txid has 26 to 35 letters and digits: the payment id's 32 hex digits.
    assert txid == "0f1e2d3c4b5a49788695a4b3c2d1e0f9" and 26 <= len(txid) <= 35 and txid.isalnum()


def test_refund_email_names_the_event_amount_and_reason():
    subject, body = refund_due_email(
        {
            "name": "Ana",
            "event_name": "Rock in Rio",
            "order_id": "o-1",
            "payment_id": "p-1",
            "method": "boleto",
            "amount_cents": 123456,
            "reason": "places-taken",
        }
    )
    assert "Rock in Rio" in subject
    assert "R$ 1.234,56" in body and "boleto" in body and "p-1" in body and "vendidos" in body


def test_the_settle_script_signs_as_the_webhook_checks():
    path = Path(__file__).resolve().parents[2] / "scripts" / "settle_payment.py"
    spec = importlib.util.spec_from_file_location("settle_payment_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    request = module.signed_request("http://127.0.0.1:3000/", "p-1", "approved", "s3cret")
    assert request.full_url == "http://127.0.0.1:3000/payments/webhook"
    assert json.loads(request.data) == {"payment_id": "p-1", "status": "approved"}
    assert signature_valid(request.data, request.get_header("X-signature"), b"s3cret")
    assert module.main(["p-1", "approve", "--api", "http://127.0.0.1:9", "--secret", "x"]) == 1
