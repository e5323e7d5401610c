"""The right of withdrawal (window edges) and an event's cancellation refunding every paid order once,
even when the worker is killed halfway and started again."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bulk_orders import hold_many

from ticketing import db
from ticketing.api.catalog import EventPatch
from ticketing.api.orders import OrderIn
from ticketing.errors import InvalidState, NotFound
from ticketing.services import cancellations, catalog, orders

ROOT = Path(__file__).resolve().parents[2]


def paid_order(ev: dict, buyer, quantity: int = 2) -> dict:
    """A held order made paid as an approved card payment would (order paid, payment approved)."""
    order = orders.hold_order(
        buyer,
        OrderIn(
            event_id=ev["event"]["id"], tickets=[{"sector_id": ev["general"]["id"], "quantity": quantity}]
        ),
    ).order
    mark_paid([order["id"]])
    return order


def mark_paid(order_ids: list[str], paid_ago: str = "1 minute") -> None:
    db.fetch_one(
        "UPDATE orders SET status = 'paid', paid_at = now() - %s::interval WHERE id = ANY(%s::uuid[]) RETURNING 1",
        (paid_ago, order_ids),
    )
    db.fetch_one(
        "INSERT INTO payments (id, order_id, method, status, amount_cents, installment_cents, card_brand, card_last4, decided_at)"
        " SELECT gen_random_uuid(), id, 'card', 'approved', total_cents, total_cents, 'visa', '1111', now() FROM orders WHERE id = ANY(%s::uuid[])"
        " RETURNING 1",
        (order_ids,),
    )


def set_times(order_id: str, event_id: str, paid_ago: str, starts_in: str) -> None:
    db.fetch_one(
        "UPDATE orders SET paid_at = now() - %s::interval WHERE id = %s RETURNING 1", (paid_ago, order_id)
    )
    db.fetch_one(
        "UPDATE events SET starts_at = now() + %s::interval WHERE id = %s RETURNING 1", (starts_in, event_id)
    )


@pytest.mark.parametrize(
    ("paid_ago", "starts_in", "allowed"),
    [
        ("6 days 23 hours", "30 days", True),
        ("7 days 1 minute", "30 days", False),
        ("1 hour", "49 hours", True),
        ("1 hour", "47 hours", False),
    ],
)
def test_withdrawal_window_edges(make_event, new_user, sector_state, paid_ago, starts_in, allowed):
    ev = make_event(capacity=10, service_fee_percent=10)
    buyer = new_user()
    order = paid_order(ev, buyer)
    set_times(order["id"], ev["event"]["id"], paid_ago, starts_in)
    if not allowed:
        with pytest.raises(InvalidState):
            cancellations.withdraw(buyer, order["id"])
        assert sector_state(ev["event"]["id"], "Pista")["available"] == 8
        return
    refunded = cancellations.withdraw(buyer, order["id"])
    assert refunded["status"] == "refunded"
    assert refunded["payment"]["status"] == "refunded"
    assert refunded["fee_cents"] == 2000 and refunded["total_cents"] == 22000  # the fee is refunded too
    assert sector_state(ev["event"]["id"], "Pista")["available"] == 10
    mail = db.fetch_one(
        "SELECT payload FROM outbox WHERE kind = 'email' AND aggregate_id = %s AND payload ->> 'purpose' = 'withdrawal'",
        (order["id"],),
    )
    assert "R$ 220,00" in mail["payload"]["text"]
    with pytest.raises(InvalidState):
        cancellations.withdraw(buyer, order["id"])


def test_only_the_buyer_may_withdraw_and_only_from_a_paid_order(make_event, new_user):
    ev = make_event()
    buyer = new_user()
    held = orders.hold_order(
        buyer,
        OrderIn(event_id=ev["event"]["id"], tickets=[{"sector_id": ev["general"]["id"], "quantity": 1}]),
    ).order
    with pytest.raises(InvalidState):
        cancellations.withdraw(buyer, held["id"])
    order = paid_order(ev, buyer)
    with pytest.raises(NotFound):
        cancellations.withdraw(new_user(), order["id"])


def test_cancelling_an_event_refunds_two_thousand_paid_orders_once_across_a_killed_worker(
    make_event, new_user, organizer, sector_state
):
    ev = make_event(capacity=2100, stock=2100)
    paid = hold_many(ev, 2000)
    mark_paid(paid)
    live = hold_many(ev, 20)
    assert sector_state(ev["event"]["id"], "Pista")["available"] == 80

    cancelled = catalog.update_event(organizer, ev["event"]["id"], EventPatch(status="cancelled"))
    assert cancelled["status"] == "cancelled"
    assert cancelled["refund_progress"] == {"refunded": 0, "total": 2000, "finished_at": None}
    with pytest.raises(NotFound):  # no new holds from the moment it is cancelled
        orders.hold_order(
            new_user(),
            OrderIn(event_id=ev["event"]["id"], tickets=[{"sector_id": ev["general"]["id"], "quantity": 1}]),
        )

    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-c",
            "from ticketing.services.cancellations import refund_cancelled_events as r; "
            "r(batch_size=20, time_budget_seconds=120)",
        ],
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "layers/shared"), str(ROOT / "scripts")]),
        },
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        progress = cancellations.refund_progress(ev["event"]["id"])
        if progress["refunded"] >= 300:
            break
        time.sleep(0.02)
    worker.kill()
    worker.wait()
    halfway = cancellations.refund_progress(ev["event"]["id"])
    assert 300 <= halfway["refunded"] < 2000, halfway

    cancellations.refund_cancelled_events(batch_size=100)

    progress = catalog.get_event(ev["event"]["id"], organizer)["refund_progress"]
    assert (progress["refunded"], progress["total"]) == (2000, 2000) and progress["finished_at"]
    counts = db.fetch_one(
        """
        SELECT (SELECT count(*) FROM orders WHERE id = ANY(%(paid)s::uuid[]) AND status = 'refunded') AS refunded,
               (SELECT count(*) FROM payments WHERE order_id = ANY(%(paid)s::uuid[]) AND status = 'refunded') AS payments,
               (SELECT count(*) FROM outbox WHERE kind = 'email' AND payload ->> 'purpose' = 'event-cancelled'
                   AND aggregate_id = ANY(%(paid)s::uuid[])) AS emails,
               (SELECT count(DISTINCT aggregate_id) FROM outbox WHERE kind = 'email'
                   AND payload ->> 'purpose' = 'event-cancelled' AND aggregate_id = ANY(%(paid)s::uuid[])) AS mailed,
               (SELECT count(*) FROM orders WHERE id = ANY(%(live)s::uuid[]) AND status = 'cancelled') AS released
        """,
        {"paid": paid, "live": live},
    )
    assert counts == {"refunded": 2000, "payments": 2000, "emails": 2000, "mailed": 2000, "released": 20}
    assert sector_state(ev["event"]["id"], "Pista")["available"] == 2100
    assert catalog.list_products(ev["event"]["id"], organizer)["items"][0]["available"] == 2100
    assert cancellations.refund_cancelled_events() == {"refunded": 0, "released": 0}
