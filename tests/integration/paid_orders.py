"""Helpers shared by the after-payment integration tests (no tests here): paid orders through the real
order and payment services, the documents bucket and moto's mailbox, SQS batch events for the invoice
function."""

from __future__ import annotations

import json
import uuid

from localrun.aws_resources import boto_client
from localrun.testing import fetch
from ticketing import db
from ticketing.api.orders import OrderIn
from ticketing.api.payments import PaymentIn
from ticketing.config import settings
from ticketing.services import orders, payments

CARD = {"number": "4111111111111111", "holder": "Ana Souza", "exp_month": 12, "exp_year": 2031, "cvv": "123"}


def hold(
    ev: dict, buyer, quantity: int = 3, seat: int | None = 0, half: bool = False, products: int = 1
) -> dict:
    """A reserved order: `quantity` general places, a seat (index into ev['seats']) and add-ons."""
    tickets = []
    if quantity:
        line = {"sector_id": ev["general"]["id"], "quantity": quantity}
        if half:
            line.update(type="half", half_category="student")
        tickets.append(line)
    if seat is not None:
        tickets.append({"sector_id": ev["seated"]["id"], "seat_id": ev["seats"][seat]["id"]})
    body = {"event_id": ev["event"]["id"], "tickets": tickets}
    if products:
        body["products"] = [{"product_id": ev["product"]["id"], "quantity": products}]
    order = orders.hold_order(buyer, OrderIn.model_validate(body)).order
    return order


def pay(order: dict, buyer, installments: int = 1) -> dict:
    payment = payments.create_payment(
        buyer,
        order["id"],
        PaymentIn.model_validate({"method": "card", "card": CARD, "installments": installments}),
    ).payment
    assert payment["status"] == "approved", payment
    return payment


def paid_order(ev: dict, buyer, **hold_args) -> dict:
    order = hold(ev, buyer, **hold_args)
    pay(order, buyer)
    return order


def paid_quietly(ev: dict, buyer, **hold_args) -> dict:
    """A paid order whose paid-order message is never published: the runtime's consumer of PaidOrdersQueue
    leaves it alone, so a test alone decides when it is invoiced. Paid as the card path pays (003)."""
    order = hold(ev, buyer, **hold_args)
    with db.connection() as conn, conn.transaction():
        conn.execute(
            "INSERT INTO payments (id, order_id, method, status, amount_cents, installment_cents, card_brand,"
            " card_last4, decided_at) VALUES (%s, %s, 'card', 'approved', %s, %s, 'visa', '1111', now())",
            (uuid.uuid4(), order["id"], order["total_cents"], order["total_cents"]),
        )
        conn.execute("SELECT mark_order_paid(%s)", (order["id"],))
        conn.execute(
            "UPDATE outbox SET sent_at = now() WHERE kind = 'paid-order' AND aggregate_id = %s",
            (order["id"],),
        )
    return order


def sqs_event(order_ids: list[str], event_id: str = "00000000-0000-4000-8000-000000000001") -> dict:
    """An SQS batch as Lambda gets it from PaidOrdersQueue: each body an SNS envelope."""
    records = []
    for order_id in order_ids:
        message = {"type": "order.paid", "order_id": order_id, "event_id": event_id, "total_cents": 1}
        records.append(
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "handle",
                "body": json.dumps({"Type": "Notification", "Message": json.dumps(message)}),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:paid-orders",
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}


def s3() -> object:
    return boto_client("s3", settings_endpoint())


def settings_endpoint() -> str:
    import os

    return os.environ["AWS_ENDPOINT_URL"]


def s3_object(key: str) -> dict:
    return s3().get_object(Bucket=settings().documents_bucket, Key=key)


def sent_emails(to: str) -> list[dict]:
    data = json.loads(fetch(settings_endpoint() + "/moto-api/data.json"))
    messages = data.get("ses", {}).get("Message", []) or data.get("ses", {}).get("message", [])
    return [m for m in messages if to in json.dumps(m.get("destinations") or m.get("destination") or m)]


def invoice_row(order_id: str) -> dict | None:
    return db.fetch_one("SELECT * FROM invoices WHERE order_id = %s", (order_id,))


def email_of(caller) -> str:
    return db.fetch_one("SELECT email FROM users WHERE cognito_sub = %s", (caller.sub,))["email"]


def force_expiry(order_id: str) -> None:
    """Move the order's (and its pending payment's) deadline into the past."""
    db.fetch_one(
        "UPDATE orders SET expires_at = now() - interval '1 second', hold_expires_at = now() - interval '2 seconds'"
        " WHERE id = %s RETURNING id",
        (order_id,),
    )
    db.fetch_all(
        "UPDATE payments SET expires_at = now() - interval '1 second' WHERE order_id = %s AND status = 'pending'"
        " RETURNING id",
        (order_id,),
    )
