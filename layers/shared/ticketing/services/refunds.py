"""Refunds. One SQL function, refund_order(order, reason), decides what a refund is; each path that refunds
(the organizer here; later the buyer's withdrawal and an event's cancellation) checks who may, then calls it."""

from __future__ import annotations

from ticketing import db
from ticketing.auth import Caller
from ticketing.db import tickets as sql
from ticketing.ids import parse_id
from ticketing.services import invoices, outbox, waitlist


def refund_order(caller: Caller, order_id: str) -> dict:
    """POST /orders/{id}/refund by the event's organizer: paid → refunded, payment refunded, places and stock
    back on sale, tickets stop checking in, invoice cancelled. 409 invalid-state for any other status.

    The invoice's cancellation record is written to S3 after the commit; if that fails the refund stands and
    the invoice function's repair sweep writes it."""
    order_uuid = parse_id(order_id, "order")
    order = db.call_json(sql.refund_order_by_organizer, (order_uuid, caller.sub))
    invoices.write_cancellation_of_order(str(order_uuid))
    waitlist.send_offer_emails()
    # PIX money goes back as a devolution requested through the outbox (issue 20): asked for now, once.
    outbox.publish_after_commit([str(order_uuid)])
    return order
