"""After payment, through the local runtime over HTTP: a card payment (and a PIX settled by the script)
leads within seconds to the invoice JSON in S3, ticket PDFs and an e-mail, all reachable through the API;
check-in and refund at the door and the desk."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from http_problems import assert_problem

from localrun.testing import card_details, fetch, pista_on_sale, post_order
from ticketing.domain.nfe import is_valid_access_key

ROOT = Path(__file__).resolve().parents[2]
SETTLE = ROOT / "scripts" / "settle_payment.py"
CARD = card_details()


def eventually(call, seconds: float = 20.0):
    """The first 200 answer of call() (for a ticket list: once the tickets and their PDFs are there)."""
    deadline = time.monotonic() + seconds
    while True:
        response = call()
        items = (response.json or {}).get("items") if response.status == 200 else None
        ready = response.status == 200 and (items is None or (items and all(i["pdf_url"] for i in items)))
        if ready or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


@pytest.fixture
def show(api, organizer_token) -> dict:
    shirt = {"name": "Camiseta", "price_cents": 4000, "stock": 5}
    where = {"name": "Forró da Lua", "venue": "Galpão, Recife", "timezone": "America/Recife"}
    return pista_on_sale(api, organizer_token, 8000, 50, service_fee_percent=10, products=[shirt], **where)


def hold(api, buyer, show: dict, quantity: int = 3) -> dict:
    sector = show["sector_id"]
    order = post_order(
        api,
        buyer.token,
        show["id"],
        [
            {"sector_id": sector, "quantity": quantity - 1},
            {"sector_id": sector, "quantity": 1, "type": "half", "half_category": "teacher"},
        ],
        products=[{"product_id": show["product_id"], "quantity": 1}],
    )
    assert order.status == 201, order.text
    return order.json


def emails_to(runtime, address: str) -> list[dict]:
    data = json.loads(fetch(runtime.moto_endpoint + "/moto-api/data.json"))
    return [m for m in data.get("ses", {}).get("Message", []) if address in json.dumps(m)]


def test_card_payment_to_invoice_tickets_email_check_in_and_refund(
    api, runtime, new_buyer, organizer_token, show
):
    buyer = new_buyer()
    order = hold(api, buyer, show)
    missing = api.get(f"/orders/{order['id']}/invoice", token=buyer.token)
    assert_problem(missing, 404, "not-found")
    paid = api.post(
        f"/orders/{order['id']}/payments", token=buyer.token, json={"method": "card", "card": CARD}
    )
    assert paid.status == 201 and paid.json["status"] == "approved", paid.text

    invoice = eventually(lambda: api.get(f"/orders/{order['id']}/invoice", token=buyer.token))
    assert invoice.status == 200, invoice.text
    assert is_valid_access_key(invoice.json["access_key"]) and invoice.json["issued_at"].endswith("Z")
    document = json.loads(fetch(invoice.json["url"]))
    assert (
        document["number"] == invoice.json["number"]
        and document["totals"]["total_cents"] == order["total_cents"]
    )
    assert [i["kind"] for i in document["items"]] == ["ticket", "ticket", "service_fee", "product"]
    by_organizer = api.get(f"/orders/{order['id']}/invoice", token=organizer_token)
    assert by_organizer.status == 200 and by_organizer.json["number"] == invoice.json["number"]
    assert_problem(api.get(f"/orders/{order['id']}/invoice", token=new_buyer().token), 404, "not-found")

    listed = eventually(lambda: api.get(f"/orders/{order['id']}/tickets", token=buyer.token))
    assert listed.status == 200 and listed.json["next_cursor"] is None
    items = listed.json["items"]
    assert len(items) == 3 and all(fetch(i["pdf_url"]).startswith(b"%PDF") for i in items)
    assert sorted(i["type"] for i in items) == ["full", "full", "half"]
    assert_problem(api.get(f"/orders/{order['id']}/tickets", token=organizer_token), 404, "not-found")

    deadline = time.monotonic() + 10
    while not emails_to(runtime, buyer.email) and time.monotonic() < deadline:
        time.sleep(0.2)
    (mail,) = emails_to(runtime, buyer.email)
    assert str(invoice.json["number"]) in json.dumps(mail)

    half = next(i for i in items if i["type"] == "half")
    first = api.post("/checkins", token=organizer_token, json={"code": half["code"], "event_id": show["id"]})
    assert first.status == 200, first.text
    assert (first.json["type"], first.json["half_category"], first.json["ticket_id"]) == (
        "half",
        "teacher",
        half["id"],
    )
    again = assert_problem(
        api.post("/checkins", token=organizer_token, json={"code": half["code"]}), 409, "already-checked-in"
    )
    assert again["checked_in_at"] == first.json["checked_in_at"]
    assert_problem(api.post("/checkins", token=buyer.token, json={"code": half["code"]}), 403, "forbidden")
    assert_problem(api.post("/checkins", token=organizer_token, json={"code": "nope-" * 6}), 404, "not-found")
    assert_problem(api.post("/checkins", token=organizer_token, json={}), 422, "validation")

    assert_problem(api.post(f"/orders/{order['id']}/refund", token=buyer.token), 403, "forbidden")
    before = api.get(f"/events/{show['id']}").json["sectors"][0]["available"]
    refunded = api.post(f"/orders/{order['id']}/refund", token=organizer_token)
    assert refunded.status == 200 and refunded.json["status"] == "refunded", refunded.text
    assert api.get(f"/events/{show['id']}").json["sectors"][0]["available"] == before + 3
    full = next(i for i in items if i["type"] == "full")
    assert_problem(
        api.post("/checkins", token=organizer_token, json={"code": full["code"]}), 409, "invalid-state"
    )
    assert_problem(api.post(f"/orders/{order['id']}/refund", token=organizer_token), 409, "invalid-state")
    cancelled = api.get(f"/orders/{order['id']}/invoice", token=buyer.token)
    assert (
        cancelled.json["cancelled_at"]
        and json.loads(fetch(cancelled.json["cancellation_url"]))["access_key"]
        == (invoice.json["access_key"])
    )


def test_pix_settled_by_the_script_gets_its_invoice_and_tickets(
    api, runtime, new_buyer, organizer_token, show
):
    buyer = new_buyer()
    order = hold(api, buyer, show, quantity=2)
    payment = api.post(f"/orders/{order['id']}/payments", token=buyer.token, json={"method": "pix"})
    assert payment.status == 201 and payment.json["status"] == "pending", payment.text
    settled = subprocess.run(  # noqa: S603 - our own script
        [
            sys.executable,
            str(SETTLE),
            payment.json["id"],
            "approve",
            "--api",
            runtime.base_url,
            "--secret",
            runtime.environment["PAYMENT_WEBHOOK_SECRET"],
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert settled.returncode == 0, settled.stderr

    invoice = eventually(lambda: api.get(f"/orders/{order['id']}/invoice", token=buyer.token))
    assert invoice.status == 200, invoice.text
    assert json.loads(fetch(invoice.json["url"]))["payment"]["method"] == "pix"
    listed = eventually(lambda: api.get(f"/orders/{order['id']}/tickets", token=buyer.token))
    assert len(listed.json["items"]) == 2


def test_another_organizer_and_another_events_door(api, runtime, new_buyer, organizer_token, show):
    buyer = new_buyer()
    order = hold(api, buyer, show, quantity=2)
    api.post(f"/orders/{order['id']}/payments", token=buyer.token, json={"method": "card", "card": CARD})
    listed = eventually(lambda: api.get(f"/orders/{order['id']}/tickets", token=buyer.token))
    code = listed.json["items"][0]["code"]
    other_event = "00000000-0000-4000-8000-00000000abcd"
    assert_problem(
        api.post("/checkins", token=organizer_token, json={"code": code, "event_id": other_event}),
        409,
        "wrong-event",
    )
    assert_problem(api.post("/orders/not-a-uuid/refund", token=organizer_token), 404, "not-found")
