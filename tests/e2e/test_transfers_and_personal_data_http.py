"""Ticket transfers and the buyer's data over HTTP through the local runtime: GET /tickets, POST
/tickets/{id}/transfer with the door refusing the old code, GET /users/me/export, DELETE /users/me (export
again: 404, sign in again: 401) and the purge job run as its schedule runs it."""

from __future__ import annotations

import json

import pytest
from http_problems import assert_problem

from localrun.testing import card_details, eventually, fetch, paid_order, pista_on_sale
from ticketing import db

CARD = card_details()


@pytest.fixture
def show(api, organizer_token) -> dict:
    where = {"name": "Samba no Cais", "venue": "Cais Mauá, Porto Alegre"}
    return pista_on_sale(api, organizer_token, 6000, 40, max_tickets_per_cpf=2, **where)


def bought(api, buyer, show: dict, quantity: int) -> dict:
    """A paid order and, once issued, its tickets as GET /tickets lists them."""
    order = paid_order(api, buyer.token, show["id"], [{"sector_id": show["sector_id"], "quantity": quantity}])

    def issued() -> list[dict]:
        held = api.get("/tickets", token=buyer.token)
        assert held.status == 200, held.text
        mine = [t for t in held.json["items"] if t["order_id"] == order["id"]]
        return mine if len(mine) == quantity and all(t["pdf_url"] for t in mine) else []

    return {"order": order, "tickets": eventually(issued)}


def test_a_transferred_ticket_checks_in_with_its_new_code_only(
    api, runtime, new_buyer, organizer_token, show
):
    buyer, friend = new_buyer(), new_buyer()
    purchase = bought(api, buyer, show, 2)
    ticket = purchase["tickets"][0]
    assert ticket["status"] == "valid" and ticket["event"]["id"] == show["id"] and ticket["received"] is False
    assert fetch(ticket["pdf_url"]).startswith(b"%PDF")

    assert_problem(
        api.post(f"/tickets/{ticket['id']}/transfer", token=buyer.token, json={}), 422, "validation"
    )
    assert_problem(
        api.post(
            f"/tickets/{ticket['id']}/transfer", token=buyer.token, json={"email": "ninguem@example.com"}
        ),
        404,
        "not-found",
    )
    assert_problem(
        api.post(f"/tickets/{ticket['id']}/transfer", token=friend.token, json={"email": buyer.email}),
        404,
        "not-found",
    )
    assert_problem(
        api.post(f"/tickets/{ticket['id']}/transfer", json={"email": friend.email}), 401, "unauthorized"
    )

    moved = api.post(f"/tickets/{ticket['id']}/transfer", token=buyer.token, json={"email": friend.email})

    assert moved.status == 200, moved.text
    assert moved.json["id"] == ticket["id"] and "code" not in moved.json
    received = api.get("/tickets", token=friend.token).json["items"]
    assert [t["id"] for t in received] == [ticket["id"]] and received[0]["received"] is True
    assert received[0]["code"] != ticket["code"] and fetch(received[0]["pdf_url"]).startswith(b"%PDF")
    assert [t["id"] for t in api.get("/tickets", token=buyer.token).json["items"]] == [
        purchase["tickets"][1]["id"]
    ]
    in_order = api.get(f"/orders/{purchase['order']['id']}/tickets", token=buyer.token).json["items"]
    assert {t["id"]: t["code"] for t in in_order}[ticket["id"]] is None
    assert api.get(f"/orders/{purchase['order']['id']}/invoice", token=buyer.token).status == 200

    assert_problem(
        api.post("/checkins", token=organizer_token, json={"code": ticket["code"]}), 404, "not-found"
    )
    admitted = api.post("/checkins", token=organizer_token, json={"code": received[0]["code"]})
    assert admitted.status == 200 and admitted.json["ticket_id"] == ticket["id"], admitted.text
    assert_problem(
        api.post(f"/tickets/{ticket['id']}/transfer", token=friend.token, json={"email": buyer.email}),
        409,
        "invalid-state",
    )

    desk = api.get(f"/events/{show['id']}/orders", token=organizer_token).json["items"]
    [order] = [o for o in desk if o["id"] == purchase["order"]["id"]]
    assert [t["to"]["email"] for t in order["transfers"]] == [friend.email]
    assert api.get(f"/events/{show['id']}/report", token=organizer_token).json["tickets_transferred"] == 1

    assert runtime.run_schedule_now("PublishOutboxFunction").succeeded
    data = json.loads(fetch(runtime.moto_endpoint + "/moto-api/data.json"))
    mails = json.dumps([m for m in data.get("ses", {}).get("Message", []) if friend.email in json.dumps(m)])
    assert "recebeu um ingresso" in mails


def test_a_transfer_over_the_recipients_limit_is_refused(api, new_buyer, show):
    buyer, friend = new_buyer(), new_buyer()
    mine = bought(api, buyer, show, 1)["tickets"][0]
    bought(api, friend, show, 2)
    assert_problem(
        api.post(f"/tickets/{mine['id']}/transfer", token=buyer.token, json={"email": friend.email}),
        409,
        "limit-exceeded",
    )


def test_export_then_delete_then_export_again(api, runtime, new_buyer, organizer_token, show):
    buyer, friend = new_buyer(), new_buyer()
    purchase = bought(api, buyer, show, 1)
    live = api.post(
        "/orders",
        token=buyer.token,
        json={"event_id": show["id"], "tickets": [{"sector_id": show["sector_id"], "quantity": 1}]},
    )
    assert live.status == 201, live.text

    exported = api.get("/users/me/export", token=buyer.token)
    assert exported.status == 200, exported.text
    data = exported.json
    assert {"profile", "orders", "payments", "tickets", "invoices", "checkins", "emails"} <= set(data)
    assert data["profile"]["email"] == buyer.email and data["profile"]["cpf"] == buyer.cpf
    assert data["payments"][0]["card_last4"] == "1111" and CARD["number"] not in exported.text
    assert [t["id"] for t in data["tickets"]] == [purchase["tickets"][0]["id"]]
    assert len(data["invoices"]) == 1

    # Holding a ticket for an event still to come: refused.
    assert_problem(api.delete("/users/me", token=buyer.token), 409, "invalid-state")
    moved = api.post(
        f"/tickets/{purchase['tickets'][0]['id']}/transfer", token=buyer.token, json={"email": friend.email}
    )
    assert moved.status == 200, moved.text
    assert_problem(api.delete("/users/me", token=friend.token), 409, "invalid-state")
    available = api.get(f"/events/{show['id']}").json["sectors"][0]["available"]

    deleted = api.delete("/users/me", token=buyer.token)

    assert deleted.status == 204, deleted.text
    assert api.get(f"/events/{show['id']}").json["sectors"][0]["available"] == available + 1
    again = api.get("/users/me/export", token=buyer.token)
    assert again.status in (401, 404), again.text
    signed_in = api.post("/auth/token", json={"email": buyer.email, "password": buyer.password})
    assert_problem(signed_in, 401, "unauthorized")
    # The organizer's report and the invoice still stand for the anonymised buyer's paid order.
    report = api.get(f"/events/{show['id']}/report", token=organizer_token).json
    assert report["tickets_sold"] >= 1
    invoice = api.get(f"/orders/{purchase['order']['id']}/invoice", token=organizer_token)
    assert invoice.status == 200 and json.loads(fetch(invoice.json["url"]))["buyer"]["cpf"] == buyer.cpf
    desk = api.get(f"/events/{show['id']}/orders", token=organizer_token).json["items"]
    [order] = [o for o in desk if o["id"] == purchase["order"]["id"]]
    assert buyer.email not in json.dumps(order)

    # The purge, run as its schedule runs it, once the kept record's retain_until has passed.
    db.fetch_one(
        "UPDATE fiscal_retention SET retain_until = current_date - 2 WHERE order_id = %s RETURNING order_id",
        (purchase["order"]["id"],),
    )
    assert runtime.run_schedule_now("PurgeFiscalRecordsFunction").succeeded
    assert (
        db.fetch_one("SELECT 1 AS kept FROM fiscal_retention WHERE order_id = %s", (purchase["order"]["id"],))
        is None
    )
    invoice = api.get(f"/orders/{purchase['order']['id']}/invoice", token=organizer_token)
    assert json.loads(fetch(invoice.json["url"]))["buyer"] == {"name": "Titular anonimizado", "cpf": None}
