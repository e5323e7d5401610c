"""Payments against the real PostgreSQL and moto: card, PIX and boleto flows, the signed webhook,
late approvals, declines and expiry, the outbox under concurrency and across a publish failure."""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from botocore.exceptions import EndpointConnectionError
from paid_orders import force_expiry

from localrun.aws_resources import boto_client
from ticketing import aws, db
from ticketing.api.orders import OrderIn
from ticketing.api.payments import PaymentIn
from ticketing.config import reload_settings
from ticketing.domain import boleto, pix
from ticketing.errors import (
    IdempotencyConflict,
    InvalidState,
    Malformed,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from ticketing.services import catalog, orders, outbox, payments
from ticketing.webhook import forget_secret, webhook_secret

ROOT = Path(__file__).resolve().parents[2]
SECRET = "integration-webhook-secret"
APPROVED_CARD = {
    "number": "4111 1111 1111 1111",
    "holder": "Ana Souza",
    "exp_month": 12,
    "exp_year": 2031,
    "cvv": "123",
}
DECLINED_CARD = {**APPROVED_CARD, "number": "4000000000000002"}


# ---------------------------------------------------------------- fixtures and helpers
@pytest.fixture(autouse=True)
def webhook_env(database_url: str, moto_server: str):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PAYMENT_WEBHOOK_SECRET", SECRET)
        reload_settings()
        forget_secret()
        yield
    reload_settings()


class Deliveries:
    """An SQS queue subscribed (raw delivery) to a fresh paid-orders topic: what SNS really delivered."""

    def __init__(self, endpoint: str) -> None:
        name = "paid-orders-" + uuid.uuid4().hex[:10]
        self.sns = boto_client("sns", endpoint)
        self.sqs = boto_client("sqs", endpoint)
        self.topic_arn = self.sns.create_topic(Name=name)["TopicArn"]
        self.queue_url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.sns.subscribe(
            TopicArn=self.topic_arn,
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes={"RawMessageDelivery": "true"},
        )
        self.received: list[dict] = []

    def drain(self) -> list[dict]:
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            ).get("Messages", [])
            if not batch:
                return self.received
            for message in batch:
                self.received.append(
                    {"body": json.loads(message["Body"]), "attributes": message.get("MessageAttributes", {})}
                )
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def for_order(self, order_id: str) -> list[dict]:
        return [m for m in self.drain() if m["body"]["order_id"] == order_id]


@pytest.fixture
def paid_orders(moto_server: str):
    deliveries = Deliveries(moto_server)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PAID_ORDERS_TOPIC_ARN", deliveries.topic_arn)
        reload_settings()
        yield deliveries
    reload_settings()


def hold(
    ev: dict, buyer, quantity: int = 2, seat: int | None = None, products: int = 0, half: bool = False
) -> dict:
    kind = "half" if half else "full"
    tickets = [{"sector_id": ev["general"]["id"], "quantity": quantity, "type": kind}] if quantity else []
    if seat is not None:
        tickets.append({"sector_id": ev["seated"]["id"], "seat_id": ev["seats"][seat]["id"]})
    extra = [{"product_id": ev["product"]["id"], "quantity": products}] if products else []
    order = orders.hold_order(
        buyer, OrderIn(event_id=ev["event"]["id"], tickets=tickets, products=extra)
    ).order
    return order


def pay(buyer, order_id: str, method: str, key: str | None = None, **fields) -> dict:
    payment = payments.create_payment(buyer, order_id, PaymentIn(method=method, **fields), key).payment
    return payment


def order_row(order_id: str) -> dict:
    return db.fetch_one("SELECT * FROM orders WHERE id = %s", (order_id,))


def payment_row(payment_id: str) -> dict:
    return db.fetch_one("SELECT * FROM payments WHERE id = %s", (payment_id,))


def outbox_rows(aggregate_id: str, kind: str | None = None) -> list[dict]:
    return db.fetch_all(
        "SELECT * FROM outbox WHERE aggregate_id = %s AND (%s::text IS NULL OR kind = %s) ORDER BY id",
        (aggregate_id, kind, kind),
    )


def signed(body: dict | bytes) -> tuple[bytes, str]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return raw, "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()


def webhook(payment_id: str, status: str) -> dict:
    return payments.handle_webhook(*signed({"payment_id": payment_id, "status": status}))


def lapsed(ev: dict, buyer, method: str, **hold_args) -> tuple[dict, dict]:
    """(order, payment): a hold paid by pix or boleto whose deadline then passed before the payment came."""
    order = hold(ev, buyer, **hold_args)
    payment = pay(buyer, order["id"], method)
    force_expiry(order["id"])
    return order, payment


def available(ev: dict, sector: str = "Pista") -> int:
    return next(s for s in catalog.get_event(ev["event"]["id"], None)["sectors"] if s["name"] == sector)[
        "available"
    ]


def stock(ev: dict) -> int:
    return catalog.list_products(ev["event"]["id"], None)["items"][0]["available"]


def seat_owner(ev: dict, seat: int) -> str | None:
    row = db.fetch_one("SELECT order_id FROM seats WHERE id = %s", (ev["seats"][seat]["id"],))
    return str(row["order_id"]) if row["order_id"] else None


# ---------------------------------------------------------------- card
def test_card_approved_pays_the_order_once_and_publishes_it(make_event, new_user, paid_orders):
    ev = make_event()
    buyer = new_user()
    order = hold(ev, buyer)
    payment = pay(buyer, order["id"], "card", card=APPROVED_CARD)
    assert payment["status"] == "approved"
    assert (payment["card_brand"], payment["card_last4"]) == ("visa", "1111")
    assert payment["amount_cents"] == order["total_cents"] == 20000
    assert (payment["installments"], payment["installment_cents"]) == (1, 20000)
    assert "pix_copy_paste" not in payment and "boleto_line" not in payment
    row = order_row(order["id"])
    assert row["status"] == "paid" and row["paid_at"] is not None
    assert orders.get_order(buyer, order["id"])["payment"]["status"] == "approved"
    rows = outbox_rows(order["id"])
    assert [(r["kind"], r["sent_at"] is not None) for r in rows] == [("paid-order", True)]
    delivered = paid_orders.for_order(order["id"])
    assert len(delivered) == 1
    assert delivered[0]["body"] == {
        "type": "order.paid",
        "order_id": order["id"],
        "event_id": ev["event"]["id"],
        "paid_at": row["paid_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "total_cents": 20000,
    }
    assert delivered[0]["attributes"]["type"]["StringValue"] == "order.paid"


def test_card_declined_keeps_the_order_reserved_and_the_buyer_may_retry(make_event, new_user):
    ev = make_event()
    buyer = new_user()
    order = hold(ev, buyer)
    declined = pay(buyer, order["id"], "card", card=DECLINED_CARD)
    assert declined["status"] == "declined"
    assert order_row(order["id"])["status"] == "reserved"
    assert outbox_rows(order["id"]) == []
    assert pay(buyer, order["id"], "card", card=APPROVED_CARD)["status"] == "approved"
    assert order_row(order["id"])["status"] == "paid"


def test_a_number_failing_luhn_is_422_and_nothing_is_stored(make_event, new_user):
    ev = make_event()
    buyer = new_user()
    order = hold(ev, buyer)
    with pytest.raises(ValidationFailed) as failure:
        pay(buyer, order["id"], "card", card={**APPROVED_CARD, "number": "4111111111111112"})
    assert failure.value.errors[0]["field"] == "card.number"
    with pytest.raises(ValidationFailed) as failure:
        pay(buyer, order["id"], "card")
    assert failure.value.errors[0]["field"] == "card"
    assert db.fetch_one("SELECT count(*) AS n FROM payments WHERE order_id = %s", (order["id"],))["n"] == 0
    assert order_row(order["id"])["status"] == "reserved"


def test_instalments_stay_within_the_event_maximum_and_r5_each(make_event, new_user):
    ev = make_event(max_installments=3)
    buyer = new_user()
    order = hold(ev, buyer, quantity=1)
    with pytest.raises(ValidationFailed) as failure:
        pay(buyer, order["id"], "card", card=APPROVED_CARD, installments=4)
    assert failure.value.errors[0]["field"] == "installments"
    payment = pay(buyer, order["id"], "card", card=APPROVED_CARD, installments=3)
    assert (payment["installments"], payment["installment_cents"]) == (3, 3333)

    small = make_event(max_installments=12)
    order = hold(small, buyer, quantity=1, half=True)
    assert order["total_cents"] == 5000
    with pytest.raises(ValidationFailed) as failure:
        pay(buyer, order["id"], "card", card=APPROVED_CARD, installments=11)  # R$ 4,54 each
    assert failure.value.errors[0]["field"] == "installments"
    assert pay(buyer, order["id"], "card", card=APPROVED_CARD, installments=10)["installment_cents"] == 500
    other = hold(small, buyer, quantity=1)
    with pytest.raises(ValidationFailed) as failure:
        pay(buyer, other["id"], "pix", installments=2)
    assert failure.value.errors[0]["field"] == "installments"


# ---------------------------------------------------------------- PIX and boleto
def test_pix_is_a_valid_br_code_pending_for_30_minutes_and_holds_last_until_then(make_event, new_user):
    ev = make_event()
    buyer = new_user()
    order = hold(ev, buyer)
    hold_deadline = order_row(order["id"])["expires_at"]
    before = datetime.now(UTC)
    payment = pay(buyer, order["id"], "pix")
    assert payment["status"] == "pending" and payment["method"] == "pix"
    code = payment["pix_copy_paste"]
    assert pix.verify_crc(code)
    fields = pix.parse_emv(code)
    assert fields["26"]["00"] == "br.gov.bcb.pix"
    assert (fields["53"], fields["54"], fields["58"]) == ("986", "200.00", "BR")
    # A dynamic BR Code (API Pix, issue 20): the txid is read at the charge's location, not in 62-05.
    assert fields["62"]["05"] == "***" and fields["26"]["25"] == payment["pix_location"]
    assert payment["pix_txid"] == payment["id"].replace("-", "")
    assert payment["pix_qr_png"].startswith("data:image/png;base64,")
    expires = datetime.fromisoformat(payment["expires_at"].replace("Z", "+00:00"))
    assert before + timedelta(minutes=29) < expires <= datetime.now(UTC) + timedelta(minutes=30)
    row = order_row(order["id"])
    assert row["status"] == "awaiting_payment"
    assert row["expires_at"] == payment_row(payment["id"])["expires_at"]
    assert row["hold_expires_at"] == hold_deadline
    shown = orders.get_order(buyer, order["id"])
    assert shown["status"] == "awaiting_payment" and shown["payment"]["id"] == payment["id"]
    assert "pix_qr_png" not in payment_row(payment["id"])


def test_boleto_line_is_valid_and_due_in_three_days_in_the_event_time_zone(make_event, new_user):
    ev = make_event(timezone="America/Manaus")
    buyer = new_user()
    order = hold(ev, buyer)
    payment = pay(buyer, order["id"], "boleto")
    assert payment["status"] == "pending"
    assert boleto.validate_typeable_line(payment["boleto_line"])
    assert boleto.barcode_from_typeable_line(payment["boleto_line"]) == payment["boleto_barcode"]
    info = boleto.describe(payment["boleto_barcode"])
    zone = ZoneInfo("America/Manaus")
    due = datetime.now(zone).date() + timedelta(days=3)
    assert (info.bank, info.amount_cents, info.due_date) == ("001", 20000, due)
    assert payment["due_date"] == due.isoformat()
    expires = datetime.fromisoformat(payment["expires_at"].replace("Z", "+00:00"))
    assert expires.astimezone(zone).replace(tzinfo=None) == datetime.combine(
        due + timedelta(days=1), datetime.min.time()
    )
    assert order_row(order["id"])["status"] == "awaiting_payment"


def test_boleto_is_never_due_after_the_event_starts(make_event, new_user):
    # Contract v2: a boleto is refused when the event starts in less than 3 days (it was accepted at 30 h).
    ev = make_event()
    db.fetch_one(
        "UPDATE events SET starts_at = now() + interval '30 hours' WHERE id = %s RETURNING starts_at",
        (ev["event"]["id"],),
    )
    buyer = new_user()
    order = hold(ev, buyer)
    with pytest.raises(InvalidState):
        pay(buyer, order["id"], "boleto")
    starts = db.fetch_one(
        "UPDATE events SET starts_at = now() + interval '3 days 1 hour' WHERE id = %s RETURNING starts_at",
        (ev["event"]["id"],),
    )["starts_at"]
    payment = pay(buyer, order["id"], "boleto")
    zone = ZoneInfo("America/Sao_Paulo")
    today = datetime.now(zone).date()
    assert payment["due_date"] == min(today + timedelta(days=3), starts.astimezone(zone).date()).isoformat()
    assert datetime.fromisoformat(payment["expires_at"].replace("Z", "+00:00")) <= starts
    assert boleto.describe(payment["boleto_line"]).due_date.isoformat() == payment["due_date"]


# ---------------------------------------------------------------- states
def test_a_second_payment_while_one_is_pending_is_409(make_event, new_user):
    ev = make_event()
    buyer = new_user()
    order = hold(ev, buyer)
    pay(buyer, order["id"], "pix")
    for method, fields in (("boleto", {}), ("card", {"card": APPROVED_CARD}), ("pix", {})):
        with pytest.raises(InvalidState):
            pay(buyer, order["id"], method, **fields)
    assert db.fetch_one("SELECT count(*) AS n FROM payments WHERE order_id = %s", (order["id"],))["n"] == 1


def test_paying_an_expired_cancelled_or_paid_order_is_409_invalid_state(make_event, new_user):
    ev = make_event()
    buyer = new_user()
    expired = hold(ev, buyer, quantity=1)
    force_expiry(expired["id"])
    cancelled = hold(ev, buyer, quantity=1)
    orders.cancel_order(buyer, cancelled["id"])
    paid = hold(ev, buyer, quantity=1)
    pay(buyer, paid["id"], "card", card=APPROVED_CARD)
    for order in (expired, cancelled, paid):
        for method, fields in (("pix", {}), ("card", {"card": APPROVED_CARD})):
            with pytest.raises(InvalidState):
                pay(buyer, order["id"], method, **fields)
    orders.release_expired_holds()
    with pytest.raises(InvalidState):
        pay(buyer, expired["id"], "boleto")
    started = hold(ev, buyer, quantity=1)
    db.fetch_one(
        "UPDATE events SET starts_at = now() - interval '1 minute' WHERE id = %s RETURNING id",
        (ev["event"]["id"],),
    )
    with pytest.raises(InvalidState):
        pay(buyer, started["id"], "card", card=APPROVED_CARD)
    assert order_row(started["id"])["status"] == "reserved"


def test_another_buyers_order_is_404(make_event, new_user):
    ev = make_event()
    order = hold(ev, new_user())
    with pytest.raises(NotFound):
        pay(new_user(), order["id"], "pix")
    with pytest.raises(NotFound):
        pay(new_user(), "not-a-uuid", "pix")


def test_idempotency_key_replays_the_first_answer_and_rejects_another_body(make_event, new_user):
    ev = make_event()
    buyer = new_user()
    order = hold(ev, buyer)
    first = pay(buyer, order["id"], "pix", key="pay-1")
    again = pay(buyer, order["id"], "pix", key="pay-1")
    assert again == first
    with pytest.raises(IdempotencyConflict):
        pay(buyer, order["id"], "boleto", key="pay-1")
    assert db.fetch_one("SELECT count(*) AS n FROM payments WHERE order_id = %s", (order["id"],))["n"] == 1
    card_order = hold(ev, buyer, quantity=1)
    approved = pay(buyer, card_order["id"], "card", key="pay-2", card=APPROVED_CARD)
    assert pay(buyer, card_order["id"], "card", key="pay-2", card=APPROVED_CARD) == approved
    assert len(outbox_rows(card_order["id"])) == 1


def test_the_expiration_job_expires_the_pending_payment_with_its_order(make_event, new_user):
    ev = make_event()
    buyer = new_user()
    order, payment = lapsed(ev, buyer, "pix")
    assert orders.get_order(buyer, order["id"])["payment"]["status"] == "expired"  # lazily, already
    orders.release_expired_holds()
    assert order_row(order["id"])["status"] == "expired"
    assert payment_row(payment["id"])["status"] == "expired"
    assert available(ev) == 100


# ---------------------------------------------------------------- webhook
def test_webhook_signature_is_checked_before_anything(make_event, new_user):
    ev = make_event()
    buyer = new_user()
    order = hold(ev, buyer)
    payment = pay(buyer, order["id"], "pix")
    raw, good = signed({"payment_id": payment["id"], "status": "approved"})
    bad_signatures = [
        None,
        "",
        good[len("sha256=") :],
        "sha256=" + "0" * 64,
        "sha1=" + good[len("sha256=") :],
        "sha256=" + hmac.new(b"another secret", raw, hashlib.sha256).hexdigest(),
    ]
    for header in bad_signatures:
        with pytest.raises(Unauthorized):
            payments.handle_webhook(raw, header)
    tampered = raw.replace(b"approved", b"declined")
    with pytest.raises(Unauthorized):
        payments.handle_webhook(tampered, good)
    with pytest.raises(Unauthorized):
        payments.handle_webhook(b"not json", None)
    assert payment_row(payment["id"])["status"] == "pending"
    assert order_row(order["id"])["status"] == "awaiting_payment"
    assert outbox_rows(order["id"]) == []
    # A correctly signed but malformed or invalid notice is 400 / 422.
    with pytest.raises(Malformed):
        payments.handle_webhook(*signed(b"{not json"))
    with pytest.raises(ValidationFailed):
        payments.handle_webhook(*signed({"payment_id": payment["id"], "status": "paid"}))
    with pytest.raises(NotFound):
        webhook(str(uuid.uuid4()), "approved")


def test_webhook_approval_pays_once_and_replays_change_nothing(make_event, new_user, paid_orders):
    ev = make_event()
    buyer = new_user()
    order = hold(ev, buyer)
    payment = pay(buyer, order["id"], "pix")
    raw, signature = signed({"payment_id": payment["id"], "status": "approved"})
    first = payments.handle_webhook(raw, signature)
    assert first == {"payment_id": payment["id"], "status": "approved", "order_status": "paid"}
    paid_at = order_row(order["id"])["paid_at"]
    for _ in range(3):
        assert payments.handle_webhook(raw, signature) == first
    for late in ("declined", "expired"):
        assert webhook(payment["id"], late) == first
    assert order_row(order["id"])["paid_at"] == paid_at
    assert len(outbox_rows(order["id"])) == 1
    assert len(paid_orders.for_order(order["id"])) == 1


def test_declined_puts_the_order_back_to_reserved_while_the_original_hold_lasts(make_event, new_user):
    ev = make_event()
    buyer = new_user()
    order = hold(ev, buyer)
    hold_deadline = order_row(order["id"])["hold_expires_at"]
    payment = pay(buyer, order["id"], "boleto")
    assert webhook(payment["id"], "declined") == {
        "payment_id": payment["id"],
        "status": "declined",
        "order_status": "reserved",
    }
    row = order_row(order["id"])
    assert row["expires_at"] == hold_deadline
    assert available(ev) == 98
    # Duplicates change nothing; the buyer may pay again.
    assert webhook(payment["id"], "declined")["order_status"] == "reserved"
    assert pay(buyer, order["id"], "card", card=APPROVED_CARD)["status"] == "approved"


def test_declined_after_the_original_hold_passed_expires_the_order(make_event, new_user):
    ev = make_event()
    buyer = new_user()
    order = hold(ev, buyer, seat=0, products=2)
    payment = pay(buyer, order["id"], "pix")
    db.fetch_one(
        "UPDATE orders SET hold_expires_at = now() - interval '1 second' WHERE id = %s RETURNING id",
        (order["id"],),
    )
    assert webhook(payment["id"], "declined")["order_status"] == "expired"
    assert (available(ev), seat_owner(ev, 0), stock(ev)) == (100, None, 10)
    assert payment_row(payment["id"])["status"] == "declined"


def test_expired_notice_expires_the_order_and_frees_its_places(make_event, new_user):
    ev = make_event()
    buyer = new_user()
    order = hold(ev, buyer, seat=1)
    payment = pay(buyer, order["id"], "pix")
    assert webhook(payment["id"], "expired") == {
        "payment_id": payment["id"],
        "status": "expired",
        "order_status": "expired",
    }
    assert (available(ev), seat_owner(ev, 1)) == (100, None)
    assert webhook(payment["id"], "expired")["order_status"] == "expired"
    with pytest.raises(InvalidState):
        pay(buyer, order["id"], "pix")


# ---------------------------------------------------------------- late approvals
@pytest.mark.parametrize("released_by_job", [True, False])
def test_late_approval_takes_every_place_back_when_all_are_free(
    make_event, new_user, paid_orders, released_by_job
):
    ev = make_event()
    buyer = new_user()
    order, payment = lapsed(ev, buyer, "boleto", quantity=2, seat=2, products=3)
    if released_by_job:
        orders.release_expired_holds()
        assert (order_row(order["id"])["status"], available(ev), seat_owner(ev, 2), stock(ev)) == (
            "expired",
            100,
            None,
            10,
        )
    assert webhook(payment["id"], "approved") == {
        "payment_id": payment["id"],
        "status": "approved",
        "order_status": "paid",
    }
    assert (available(ev), seat_owner(ev, 2), stock(ev)) == (98, order["id"], 7)
    assert order_row(order["id"])["released_at"] is None
    assert len(paid_orders.for_order(order["id"])) == 1
    # Releasing stale holds later never gives a paid order's places away.
    orders.release_expired_holds()
    assert (available(ev), seat_owner(ev, 2)) == (98, order["id"])


def test_late_approval_when_a_seat_was_sold_meanwhile_is_refund_due_with_an_email(
    make_event, new_user, paid_orders, moto_server
):
    ev = make_event()
    buyer = new_user()
    order, payment = lapsed(ev, buyer, "boleto", quantity=2, seat=3, products=1)
    orders.release_expired_holds()
    rival = hold(ev, new_user(), quantity=0, seat=3)
    assert webhook(payment["id"], "approved") == {
        "payment_id": payment["id"],
        "status": "refund_due",
        "order_status": "expired",
    }
    # Nothing of the failed take-back stuck: the general places and stock are as before.
    assert (available(ev), seat_owner(ev, 3), stock(ev)) == (100, rival["id"], 10)
    assert orders.get_order(buyer, order["id"])["payment"]["status"] == "refund_due"
    assert outbox_rows(order["id"]) == []
    (email,) = outbox_rows(payment["id"], "email")
    assert email["payload"]["to"] == f"{buyer.sub}@example.com"
    assert email["payload"]["reason"] == "places-taken"
    assert email["sent_at"] is not None, email["last_error"]
    sent = aws.client("ses").get_send_statistics()["SendDataPoints"]
    assert sum(p["DeliveryAttempts"] for p in sent) >= 1
    assert paid_orders.for_order(order["id"]) == []
    # Repeats change nothing and send nothing more.
    assert webhook(payment["id"], "approved")["status"] == "refund_due"
    assert len(outbox_rows(payment["id"], "email")) == 1


def test_approval_of_a_declined_payment_after_the_order_was_paid_otherwise_is_refund_due(
    make_event, new_user
):
    ev = make_event()
    buyer = new_user()
    order = hold(ev, buyer)
    pix_payment = pay(buyer, order["id"], "pix")
    webhook(pix_payment["id"], "declined")
    pay(buyer, order["id"], "card", card=APPROVED_CARD)
    assert webhook(pix_payment["id"], "approved") == {
        "payment_id": pix_payment["id"],
        "status": "refund_due",
        "order_status": "paid",
    }
    assert outbox_rows(pix_payment["id"], "email")[0]["payload"]["reason"] == "already-paid"
    assert len(outbox_rows(order["id"], "paid-order")) == 1


# ---------------------------------------------------------------- the outbox
def test_fifty_concurrent_duplicate_approvals_pay_once_write_one_row_publish_once(
    make_event, new_user, paid_orders, wide_pool
):
    ev = make_event()
    buyer = new_user()
    order = hold(ev, buyer)
    payment = pay(buyer, order["id"], "pix")
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda _: webhook(payment["id"], "approved"), range(50)))
    assert {(a["status"], a["order_status"]) for a in answers} == {("approved", "paid")}
    assert len(outbox_rows(order["id"])) == 1
    outbox.publish_pending()
    assert len(paid_orders.for_order(order["id"])) == 1


def _scheduled_publisher():
    path = ROOT / "functions" / "payments" / "publish_outbox" / "app.py"
    spec = importlib.util.spec_from_file_location("publish_outbox_app_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    context = SimpleNamespace(
        function_name="publish-outbox",
        memory_limit_in_mb=256,
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:publish-outbox",
        aws_request_id=str(uuid.uuid4()),
        get_remaining_time_in_millis=lambda: 60_000,
    )
    return lambda: module.lambda_handler({"scheduled_time": "2026-11-25T12:00:00Z"}, context)


def test_a_publish_failure_loses_nothing_and_the_schedule_delivers_it_once(make_event, new_user, paid_orders):
    ev = make_event()
    buyer = new_user()
    order = hold(ev, buyer)
    missing_topic = paid_orders.topic_arn + "-gone"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PAID_ORDERS_TOPIC_ARN", missing_topic)
        reload_settings()
        # SNS fails right after the commit: the buyer still gets the answer and the order is paid.
        assert pay(buyer, order["id"], "card", card=APPROVED_CARD)["status"] == "approved"
        (row,) = outbox_rows(order["id"])
        assert row["sent_at"] is None and row["attempts"] == 1 and row["last_error"]
        _scheduled_publisher()()
        assert outbox_rows(order["id"])[0]["attempts"] == 2
    reload_settings()
    assert order_row(order["id"])["status"] == "paid"
    assert paid_orders.for_order(order["id"]) == []
    publish = _scheduled_publisher()
    publish()
    (row,) = outbox_rows(order["id"])
    assert row["sent_at"] is not None and row["last_error"] is None
    publish()
    assert len(paid_orders.for_order(order["id"])) == 1


def test_the_secret_comes_from_secrets_manager_when_not_in_the_environment(moto_server):
    arn = boto_client("secretsmanager", moto_server).create_secret(
        Name="webhook-" + uuid.uuid4().hex[:8], SecretString="from-secrets-manager"
    )["ARN"]
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PAYMENT_WEBHOOK_SECRET", raising=False)
        patch.setenv("PAYMENT_WEBHOOK_SECRET_ARN", arn)
        reload_settings()
        forget_secret()
        assert webhook_secret() == b"from-secrets-manager"
        with pytest.raises(Unauthorized):
            payments.handle_webhook(*signed({"payment_id": str(uuid.uuid4()), "status": "approved"}))
    forget_secret()
    reload_settings()
    assert os.environ["PAYMENT_WEBHOOK_SECRET"] == SECRET


def test_an_unreachable_sns_costs_one_attempt_per_run_and_the_request_only_tries_its_own_row(
    make_event, new_user, paid_orders, monkeypatch
):
    calls: list[str] = []

    def unreachable(payload: dict) -> None:
        calls.append(payload["order_id"])
        raise EndpointConnectionError(endpoint_url="https://sns.example.invalid")

    monkeypatch.setitem(outbox.SENDERS, "paid-order", unreachable)
    ev = make_event()
    buyer = new_user()
    first, second = hold(ev, buyer, quantity=1), hold(ev, buyer, quantity=1)
    for order in (first, second):
        assert pay(buyer, order["id"], "card", card=APPROVED_CARD)["status"] == "approved"
    assert calls == [first["id"], second["id"]]
    assert outbox.publish_pending()["failed"] == 1
    assert len(calls) == 3
    assert [outbox_rows(o["id"])[0]["attempts"] for o in (first, second)] in ([2, 1], [1, 2])
    monkeypatch.undo()
    outbox.publish_pending(limit=1000)
    assert [len(paid_orders.for_order(o["id"])) for o in (first, second)] == [1, 1]


def _queue_paid_order_messages(count: int) -> list[str]:
    """`count` unsent paid-order messages never tried, as a burst of payments (or a cancelled event) leaves."""
    ids = [str(uuid.uuid4()) for _ in range(count)]
    db.fetch_all(
        "INSERT INTO outbox (kind, aggregate_id, payload)"
        " SELECT 'paid-order', id, jsonb_build_object('type', 'order.paid', 'order_id', id)"
        "   FROM unnest(%s::uuid[]) AS id RETURNING id",
        (ids,),
    )
    return ids


def test_the_scheduled_publisher_drains_a_backlog_and_a_retried_message_does_not_wait_behind_it(
    make_event, new_user, paid_orders
):
    ev = make_event()
    buyer = new_user()
    order = hold(ev, buyer)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PAID_ORDERS_TOPIC_ARN", paid_orders.topic_arn + "-gone")
        reload_settings()
        assert pay(buyer, order["id"], "card", card=APPROVED_CARD)["status"] == "approved"
        outbox.publish_pending(aggregate_ids=[order["id"]])  # failed twice: it sorts after new messages
    reload_settings()
    backlog = _queue_paid_order_messages(35)
    counts = outbox.drain(batch_size=10)
    assert counts["sent"] >= 36 and counts["failed"] == 0, counts
    assert all(outbox_rows(aggregate)[0]["sent_at"] is not None for aggregate in [*backlog, order["id"]])
    assert len(paid_orders.for_order(order["id"])) == 1
    assert len(paid_orders.for_order(backlog[-1])) == 1


def test_the_scheduled_publisher_stops_when_a_batch_sends_nothing(paid_orders, monkeypatch):
    tried: list[str] = []

    def failing(payload: dict) -> None:
        tried.append(payload["order_id"])
        raise RuntimeError("SNS said no")

    monkeypatch.setitem(outbox.SENDERS, "paid-order", failing)
    backlog = set(_queue_paid_order_messages(5))
    counts = outbox.drain(batch_size=1000, time_budget_seconds=30)
    assert counts["sent"] == 0 and counts["failed"] >= 5, counts
    assert backlog <= set(tried) and len(tried) == len(set(tried)), (
        "a failing row was retried in the same run"
    )
    monkeypatch.undo()
    outbox.drain()
    assert all(outbox_rows(aggregate)[0]["sent_at"] is not None for aggregate in backlog)
