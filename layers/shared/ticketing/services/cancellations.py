"""The buyer's right of withdrawal and the cancellation of a whole event; both refund through refund_order."""

from __future__ import annotations

from ticketing import db
from ticketing.auth import Caller
from ticketing.batches import batch_after_batch
from ticketing.ids import parse_id
from ticketing.metrics import emit
from ticketing.services import invoices, outbox, waitlist

WITHDRAW_ORDER = "SELECT withdraw_order(%s, %s) AS doc"
CANCEL_EVENT = "SELECT cancel_event(%s, %s)"
REFUND_CANCELLED_EVENTS = "SELECT order_id, refunded FROM refund_cancelled_events(%s)"
REFUND_PROGRESS = "SELECT refund_progress(%s) AS progress"


def withdraw(caller: Caller, order_id: str) -> dict:
    """POST /orders/{id}/withdrawal: the buyer's right of withdrawal (CDC art. 49), within 7 days of payment
    and at least 48 h before the event: order and payment refunded, fee included, places back, e-mail."""
    order_uuid = parse_id(order_id, "order")
    order = db.call_json(WITHDRAW_ORDER, (order_uuid, caller.sub))
    emit("OrderTransitions", to_status="refunded")
    invoices.write_cancellation_of_order(str(order_uuid))
    outbox.publish_pending(aggregate_ids=[str(order_uuid)], quick=True)
    waitlist.send_offer_emails()
    return order


def cancel_event(caller: Caller, event_id: str) -> None:
    """Mark the event cancelled at once (no new holds or payments); refunds follow in the background."""
    db.fetch_one(CANCEL_EVENT, (parse_id(event_id, "event"), caller.sub))


def refund_progress(event_id: str) -> dict | None:
    row = db.fetch_one(REFUND_PROGRESS, (event_id,))
    return row["progress"] if row else None


def refund_cancelled_events(batch_size: int = 100, time_budget_seconds: float = 50.0) -> dict[str, int]:
    """The background work of cancelled events, batch after batch: refund paid orders, release holds.

    Each batch is one transaction that skips orders another worker holds, so several workers may run and a
    crash only repeats the batch it interrupted. Invoice cancellation records are written after each commit
    (the invoice function's repair sweep writes any that fail)."""

    def take_batch() -> tuple[dict[str, int], bool]:
        rows = db.fetch_all(REFUND_CANCELLED_EVENTS, (batch_size,))
        for row in rows:
            if row["refunded"]:
                invoices.write_cancellation_of_order(str(row["order_id"]))
        refunded = sum(1 for row in rows if row["refunded"])
        return {"refunded": refunded, "released": len(rows) - refunded}, len(rows) >= batch_size

    totals = batch_after_batch(take_batch, time_budget_seconds)
    refunded, released = totals.get("refunded", 0), totals.get("released", 0)
    if refunded:
        emit("OrderTransitions", refunded, to_status="refunded")
    if released:
        emit("OrderTransitions", released, to_status="cancelled")
    return {"refunded": refunded, "released": released}
