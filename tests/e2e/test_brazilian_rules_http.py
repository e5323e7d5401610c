"""Brazilian rules through HTTP: instalments shown on a card payment, the right of withdrawal, and an
event's cancellation with its refund progress, run by the scheduled background function."""

from __future__ import annotations

import time

from http_problems import assert_problem

from localrun.testing import create_event_on_sale

CARD = {"number": "4111111111111111", "holder": "ANA SOUZA", "exp_month": 12, "exp_year": 2031, "cvv": "123"}


def on_sale(api, organizer_token, **fields) -> dict:
    made = create_event_on_sale(
        api,
        organizer_token,
        name="Regras",
        starts_in_days=15,
        sectors=[{"name": "Pista", "kind": "general", "price_cents": 10000, "capacity": 50}],
        **fields,
    )
    return {"id": made["id"], "sector": made["sectors"][0]["id"]}


def buy_by_card(api, buyer, event: dict, quantity: int = 2, installments: int = 1):
    order = api.post(
        "/orders",
        token=buyer.token,
        json={"event_id": event["id"], "tickets": [{"sector_id": event["sector"], "quantity": quantity}]},
    ).json
    payment = api.post(
        f"/orders/{order['id']}/payments",
        token=buyer.token,
        json={"method": "card", "card": CARD, "installments": installments},
    )
    return order, payment


def test_card_instalments_are_shown_and_bounded(api, organizer_token, new_buyer):
    event = on_sale(api, organizer_token, service_fee_percent=10, max_installments=6)
    buyer = new_buyer()
    order, payment = buy_by_card(api, buyer, event, installments=4)
    assert payment.status == 201, payment.text
    assert payment.json["status"] == "approved"
    assert (payment.json["installments"], payment.json["installment_cents"]) == (4, 22000 // 4)
    _, too_many = buy_by_card(api, new_buyer(), event, installments=7)
    assert_problem(too_many, 422, "validation")


def test_withdrawal_through_http(api, organizer_token, new_buyer):
    event = on_sale(api, organizer_token, service_fee_percent=10)
    buyer = new_buyer()
    order, payment = buy_by_card(api, buyer, event)
    assert payment.json["status"] == "approved"
    assert_problem(api.post(f"/orders/{order['id']}/withdrawal", token=new_buyer().token), 404, "not-found")
    withdrawn = api.post(f"/orders/{order['id']}/withdrawal", token=buyer.token)
    assert withdrawn.status == 200, withdrawn.text
    assert withdrawn.json["status"] == "refunded" and withdrawn.json["total_cents"] == 22000
    assert_problem(api.post(f"/orders/{order['id']}/withdrawal", token=buyer.token), 409, "invalid-state")
    assert api.get(f"/events/{event['id']}").json["sectors"][0]["available"] == 50


def test_cancelling_an_event_stops_sales_and_refunds_in_the_background(
    api, runtime, organizer_token, new_buyer
):
    event = on_sale(api, organizer_token)
    buyers = [new_buyer() for _ in range(3)]
    paid = [buy_by_card(api, b, event)[0] for b in buyers]
    held = api.post(
        "/orders",
        token=buyers[0].token,
        json={"event_id": event["id"], "tickets": [{"sector_id": event["sector"], "quantity": 1}]},
    ).json
    cancelled = api.patch(f"/events/{event['id']}", token=organizer_token, json={"status": "cancelled"})
    assert cancelled.status == 200, cancelled.text
    assert cancelled.json["status"] == "cancelled"
    assert (
        cancelled.json["refund_progress"]["total"] == 3 and cancelled.json["refund_progress"]["refunded"] == 0
    )
    assert_problem(
        api.post(
            "/orders",
            token=buyers[1].token,
            json={"event_id": event["id"], "tickets": [{"sector_id": event["sector"], "quantity": 1}]},
        ),
        404,
        "not-found",
    )
    assert_problem(
        api.post(f"/orders/{held['id']}/payments", token=buyers[0].token, json={"method": "pix"}),
        409,
        "invalid-state",
    )
    assert_problem(
        api.patch(f"/events/{event['id']}", token=organizer_token, json={"status": "on_sale"}),
        409,
        "invalid-state",
    )

    # A run skips orders another transaction holds (the invoice consumer may still be issuing a just-paid
    # order's invoice) and leaves them to the next run, as the schedule would run it a minute later.
    for _ in range(20):
        assert runtime.run_schedule_now("RefundCancelledEventsFunction").succeeded
        progress = api.get(f"/events/{event['id']}").json["refund_progress"]
        if progress["finished_at"]:
            break
        time.sleep(0.25)
    assert (progress["refunded"], progress["total"]) == (3, 3) and progress["finished_at"]
    for buyer, order in zip(buyers, paid, strict=True):
        assert api.get(f"/orders/{order['id']}", token=buyer.token).json["status"] == "refunded"
    assert api.get(f"/orders/{held['id']}", token=buyers[0].token).json["status"] == "cancelled"
