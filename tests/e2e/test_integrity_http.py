"""Money and inventory integrity over HTTP (contract v2, issue 14): an approval pays only the order's latest
payment for its total on an event not cancelled (else the money is refund_due), the per-account cap on
unpaid places (also under 50 parallel holds), boleto refused close to the event, and late money after an
event's cancellation refunded with a consistent refund_progress."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from http_problems import assert_problem

from localrun.testing import create_event_on_sale, post_signed

APPROVED = {
    "number": "4111111111111111",
    "holder": "ANA SOUZA",
    "exp_month": 12,
    "exp_year": 2031,
    "cvv": "123",
}
DECLINED = {**APPROVED, "number": "4000000000000002"}


def on_sale(api, organizer_token, *, capacity: int = 30, **fields) -> dict:
    made = create_event_on_sale(
        api,
        organizer_token,
        name="Integridade",
        sectors=[{"name": "Pista", "kind": "general", "price_cents": 10000, "capacity": capacity}],
        products=[{"name": "Copo", "price_cents": 5000}],
        **fields,
    )
    return {"id": made["id"], "sector": made["sectors"][0]["id"], "product": made["products"][0]["id"]}


def hold(api, buyer, event: dict, quantity: int = 1):
    return api.post(
        "/orders",
        token=buyer.token,
        json={"event_id": event["id"], "tickets": [{"sector_id": event["sector"], "quantity": quantity}]},
    )


def pay(api, buyer, order_id: str, method: str, card: dict | None = None):
    body = {"method": method, **({"card": card} if card else {})}
    return api.post(f"/orders/{order_id}/payments", token=buyer.token, json=body)


def webhook(api, runtime, payment_id: str, status: str):
    raw = json.dumps({"payment_id": payment_id, "status": status}).encode()
    answer = post_signed(api, "/payments/webhook", raw, runtime.environment["PAYMENT_WEBHOOK_SECRET"])
    assert answer.status == 200, answer.text
    return answer.json


def add_ons(api, buyer, event: dict, order_id: str, quantity: int):
    changed = api.put(
        f"/orders/{order_id}/products",
        token=buyer.token,
        json={"products": [{"product_id": event["product"], "quantity": quantity}]},
    )
    assert changed.status == 200, changed.text
    return changed.json


def test_card_declined_then_add_ons_then_approved_is_refund_due_never_paid_for_less(
    api, runtime, organizer_token, new_buyer, deliveries
):
    event = on_sale(api, organizer_token)
    buyer = new_buyer()
    order = hold(api, buyer, event).json
    declined = pay(api, buyer, order["id"], "card", DECLINED)
    assert (declined.status, declined.json["status"]) == (201, "declined")
    assert add_ons(api, buyer, event, order["id"], 5)["total_cents"] == 35000

    answer = webhook(api, runtime, declined.json["id"], "approved")
    assert answer == {"payment_id": declined.json["id"], "status": "refund_due", "order_status": "reserved"}
    shown = api.get(f"/orders/{order['id']}", token=buyer.token).json
    assert shown["status"] == "reserved" and shown["paid_at"] is None
    assert shown["payment"]["id"] == declined.json["id"]
    assert shown["payment"]["refund"]["status"] == "pending"
    assert shown["payment"]["refund"]["amount_cents"] == 10000
    assert shown["payment"]["refund"]["reason"] == "amount-mismatch"
    assert deliveries(order["id"]) == []
    report = api.get(f"/events/{event['id']}/report", token=organizer_token).json
    assert report["revenue_cents"] == 0 and report["tickets_sold"] == 0
    assert webhook(api, runtime, declined.json["id"], "approved")["status"] == "refund_due"  # a repeat

    # The buyer can still pay the real total, and then the order is paid for exactly that.
    paid = pay(api, buyer, order["id"], "card", APPROVED)
    assert (paid.status, paid.json["status"], paid.json["amount_cents"]) == (201, "approved", 35000)
    shown = api.get(f"/orders/{order['id']}", token=buyer.token).json
    assert (shown["status"], shown["total_cents"], shown["payment"]["amount_cents"]) == ("paid", 35000, 35000)


def test_pix_declined_then_add_ons_then_approved_is_refund_due(api, runtime, organizer_token, new_buyer):
    event = on_sale(api, organizer_token)
    buyer = new_buyer()
    order = hold(api, buyer, event).json
    pix = pay(api, buyer, order["id"], "pix")
    assert pix.status == 201, pix.text
    assert webhook(api, runtime, pix.json["id"], "declined")["order_status"] == "reserved"
    add_ons(api, buyer, event, order["id"], 5)

    answer = webhook(api, runtime, pix.json["id"], "approved")
    assert (answer["status"], answer["order_status"]) == ("refund_due", "reserved")
    shown = api.get(f"/orders/{order['id']}", token=buyer.token).json
    assert shown["status"] == "reserved" and shown["payment"]["status"] == "refund_due"
    assert api.get(f"/orders/{order['id']}/invoice", token=buyer.token).status == 404


def test_approval_of_a_payment_that_is_not_the_latest_is_refund_due(api, runtime, organizer_token, new_buyer):
    event = on_sale(api, organizer_token)
    buyer = new_buyer()
    order = hold(api, buyer, event).json
    pix = pay(api, buyer, order["id"], "pix").json
    webhook(api, runtime, pix["id"], "declined")
    card = pay(api, buyer, order["id"], "card", DECLINED).json  # the same total, but a newer payment
    answer = webhook(api, runtime, pix["id"], "approved")
    assert (answer["status"], answer["order_status"]) == ("refund_due", "reserved")
    shown = api.get(f"/orders/{order['id']}", token=buyer.token).json
    assert shown["payment"]["id"] == card["id"]  # the latest payment is what the order shows
    # The latest payment, for the order's total, still pays it (a provider's late change of mind).
    answer = webhook(api, runtime, card["id"], "approved")
    assert (answer["status"], answer["order_status"]) == ("approved", "paid")


def test_approval_after_the_event_was_cancelled_is_refunded_with_the_others(
    api, runtime, organizer_token, new_buyer, deliveries
):
    event = on_sale(api, organizer_token)
    card_buyer, pix_buyer = new_buyer(), new_buyer()
    paid = hold(api, card_buyer, event, 2).json
    assert pay(api, card_buyer, paid["id"], "card", APPROVED).json["status"] == "approved"
    pending = hold(api, pix_buyer, event, 2).json
    pix = pay(api, pix_buyer, pending["id"], "pix").json

    cancelled = api.patch(f"/events/{event['id']}", token=organizer_token, json={"status": "cancelled"})
    assert cancelled.status == 200, cancelled.text
    answer = webhook(api, runtime, pix["id"], "approved")
    assert (answer["status"], answer["order_status"]) == ("refund_due", "cancelled")
    progress = api.get(f"/events/{event['id']}").json["refund_progress"]
    assert (progress["refunded"], progress["total"]) == (0, 2) and progress["finished_at"] is None

    seen = []
    for _ in range(20):
        assert runtime.run_schedule_now("RefundCancelledEventsFunction").succeeded
        progress = api.get(f"/events/{event['id']}").json["refund_progress"]
        seen.append((progress["refunded"], progress["total"]))
        if progress["finished_at"]:
            break
        time.sleep(0.25)
    assert all(0 <= refunded <= total == 2 for refunded, total in seen), seen
    assert (progress["refunded"], progress["total"]) == (2, 2) and progress["finished_at"]

    late = api.get(f"/orders/{pending['id']}", token=pix_buyer.token).json
    assert late["status"] == "cancelled" and late["paid_at"] is None
    assert late["payment"]["status"] == "refunded"
    assert late["payment"]["refund"]["status"] == "refunded" and late["payment"]["refund"]["refunded_at"]
    assert late["payment"]["refund"]["reason"] == "event-cancelled"
    assert api.get(f"/orders/{pending['id']}/invoice", token=pix_buyer.token).status == 404
    assert deliveries(pending["id"]) == []
    refunded = api.get(f"/orders/{paid['id']}", token=card_buyer.token).json
    assert refunded["status"] == "refunded" and refunded["payment"]["refund"]["reason"] == "event-cancelled"


def test_one_account_holds_at_most_max_tickets_per_order_unpaid_places(api, organizer_token, new_buyer):
    event = on_sale(api, organizer_token, max_tickets_per_order=4)
    buyer = new_buyer()
    first = hold(api, buyer, event, 3)
    assert first.status == 201, first.text
    assert_problem(hold(api, buyer, event, 2), 409, "limit-exceeded")
    second = hold(api, buyer, event, 1)
    assert second.status == 201, second.text
    assert_problem(hold(api, buyer, event, 1), 409, "limit-exceeded")
    assert hold(api, new_buyer(), event, 4).status == 201  # another account has its own allowance

    # Paid places stop counting toward the cap; cancelled ones give their places back.
    assert pay(api, buyer, first.json["id"], "card", APPROVED).json["status"] == "approved"
    assert api.post(f"/orders/{second.json['id']}/cancel", token=buyer.token).status == 200
    assert hold(api, buyer, event, 4).status == 201
    assert_problem(hold(api, buyer, event, 1), 409, "limit-exceeded")


def test_fifty_parallel_holds_from_one_account_never_exceed_the_cap(api, organizer_token, new_buyer):
    event = on_sale(api, organizer_token, capacity=100)
    buyer = new_buyer()
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: hold(api, buyer, event, 1), range(50)))
    statuses = sorted(a.status for a in answers)
    assert statuses.count(201) == 6 and statuses.count(409) == 44, statuses
    for answer in answers:
        if answer.status == 409:
            assert_problem(answer, 409, "limit-exceeded")
    assert api.get(f"/events/{event['id']}").json["sectors"][0]["available"] == 94
    mine = api.get("/orders", token=buyer.token).json["items"]
    assert sum(o["ticket_count"] for o in mine if o["status"] == "reserved") == 6


def test_boleto_is_refused_when_the_event_starts_within_three_days(api, organizer_token, new_buyer):
    soon = on_sale(api, organizer_token, starts_in_days=2)
    buyer = new_buyer()
    order = hold(api, buyer, soon).json
    assert_problem(pay(api, buyer, order["id"], "boleto"), 409, "invalid-state")
    assert api.get(f"/orders/{order['id']}", token=buyer.token).json["status"] == "reserved"
    assert pay(api, buyer, order["id"], "pix").status == 201

    later = on_sale(api, organizer_token, starts_in_days=4)
    order = hold(api, buyer, later).json
    slip = pay(api, buyer, order["id"], "boleto")
    assert slip.status == 201, slip.text
