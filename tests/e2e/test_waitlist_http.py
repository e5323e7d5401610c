"""The waiting list of a sold-out sector over HTTP (contract v2, issue 18): join, list, leave, the offer made
when a hold expires (an order in `reserved` for the first in line, an e-mail with the link), paid →
converted, the report's counts, and the refusals in the contract's order."""

from __future__ import annotations

import json
import urllib.request

from http_problems import assert_problem

from localrun.testing import held_order, pista_on_sale
from ticketing import db

CARD = {"number": "4111111111111111", "holder": "ANA SOUZA", "exp_month": 12, "exp_year": 2031, "cvv": "123"}
ENTRY_FIELDS = {"id", "event_id", "sector_id", "quantity", "type", "status", "position"}


def on_sale(api, organizer_token, capacity: int = 2, **fields) -> dict:
    made = pista_on_sale(api, organizer_token, 10000, capacity, name="Lista de espera", **fields)
    return {"id": made["id"], "sector": made["sector_id"]}


def hold(api, buyer, event: dict, quantity: int) -> dict:
    return held_order(api, buyer.token, event["id"], [{"sector_id": event["sector"], "quantity": quantity}])


def join(api, buyer, event: dict, **body):
    return api.post(
        f"/events/{event['id']}/waitlist", token=buyer.token, json={"sector_id": event["sector"], **body}
    )


def mine(api, buyer) -> list[dict]:
    answer = api.get("/waitlist", token=buyer.token)
    assert answer.status == 200, answer.text
    assert answer.json["next_cursor"] is None
    return answer.json["items"]


def emails_to(runtime, address: str) -> list[dict]:
    with urllib.request.urlopen(runtime.moto_endpoint + "/moto-api/data.json", timeout=10) as response:  # noqa: S310 - moto
        data = json.loads(response.read())
    return [m for m in data.get("ses", {}).get("Message", []) if address in json.dumps(m)]


def test_join_offer_pay_and_report(api, runtime, organizer_token, new_buyer):
    event = on_sale(api, organizer_token)
    holder, first, second = new_buyer(), new_buyer(), new_buyer()
    held = hold(api, holder, event, 2)

    a = join(api, first, event, quantity=2)
    assert a.status == 201, a.text
    assert set(a.json) >= ENTRY_FIELDS
    assert (a.json["event_id"], a.json["sector_id"], a.json["quantity"], a.json["type"]) == (
        event["id"],
        event["sector"],
        2,
        "full",
    )
    assert (a.json["status"], a.json["position"]) == ("waiting", 1)
    b = join(api, second, event)
    assert (b.status, b.json["position"], b.json["quantity"]) == (201, 2, 1)
    assert_problem(join(api, first, event, quantity=1), 409, "invalid-state")  # already waiting there
    assert [e["id"] for e in mine(api, first)] == [a.json["id"]]

    # The holder's hold expires and the expiration job runs: the places go to the first in line.
    db.fetch_one(
        "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = %s RETURNING 1", (held["id"],)
    )
    assert runtime.run_schedule_now("ExpireHoldsFunction").succeeded
    [offered] = mine(api, first)
    assert offered["status"] == "offered" and offered["order_id"]
    order = api.get(f"/orders/{offered['order_id']}", token=first.token)
    assert order.status == 200 and order.json["status"] == "reserved" and order.json["ticket_count"] == 2
    assert mine(api, second)[0]["status"] == "waiting" and mine(api, second)[0]["position"] == 1
    sector = api.get(f"/events/{event['id']}").json["sectors"][0]
    assert sector["available"] == 0  # on offer, not on public sale
    assert_problem(hold_attempt(api, new_buyer(), event), 409, "sold-out")

    [mail] = emails_to(runtime, first.email)  # sent right after the release, not at the publisher's next run
    assert f"#/pedido/{offered['order_id']}" in json.dumps(mail)

    paid = api.post(
        f"/orders/{offered['order_id']}/payments", token=first.token, json={"method": "card", "card": CARD}
    )
    assert paid.status == 201 and paid.json["status"] == "approved", paid.text
    assert mine(api, first)[0]["status"] == "converted"

    report = api.get(f"/events/{event['id']}/report", token=organizer_token)
    assert report.status == 200, report.text
    assert report.json["by_sector"][0]["waitlist"] == {
        "waiting": 1,
        "offered": 0,
        "converted": 1,
        "lapsed": 0,
    }

    # Leaving: the buyer's own entry only; once left, it cannot be left again.
    assert_problem(api.delete(f"/waitlist/{b.json['id']}", token=first.token), 404, "not-found")
    left = api.delete(f"/waitlist/{b.json['id']}", token=second.token)
    assert left.status == 204, left.text
    assert mine(api, second)[0]["status"] == "cancelled"
    assert_problem(api.delete(f"/waitlist/{b.json['id']}", token=second.token), 409, "invalid-state")
    assert_problem(api.delete(f"/waitlist/{a.json['id']}", token=first.token), 409, "invalid-state")


def hold_attempt(api, buyer, event: dict):
    return api.post(
        "/orders",
        token=buyer.token,
        json={"event_id": event["id"], "tickets": [{"sector_id": event["sector"]}]},
    )


def test_refusals_in_the_contracts_order(api, organizer_token, new_buyer):
    event = on_sale(api, organizer_token, capacity=2, max_tickets_per_order=4)
    buyer = new_buyer()
    path = f"/events/{event['id']}/waitlist"

    assert_problem(api.post(path, json={"sector_id": event["sector"]}), 401, "unauthorized")
    assert_problem(api.get("/waitlist"), 401, "unauthorized")
    assert_problem(api.delete(f"/waitlist/{event['id']}"), 401, "unauthorized")
    malformed = api.post(path, token=buyer.token, raw=b"{", headers={"Content-Type": "application/json"})
    assert_problem(malformed, 400, "malformed")
    for body, field in [
        ({"sector_id": event["sector"], "quantity": 0}, "quantity"),
        ({"sector_id": "nope"}, "sector_id"),
        ({"sector_id": event["sector"], "type": "half", "half_category": "pirate"}, "half_category"),
        ({"sector_id": event["sector"], "half_category": "student"}, "half_category"),
    ]:
        problem = assert_problem(api.post(path, token=buyer.token, json=body), 422, "validation")
        assert field in {e["field"] for e in problem["errors"]}, (body, problem)
    # 422 before 404: an unknown event with an invalid body is still a 422.
    unknown = "/events/00000000-0000-4000-8000-00000000dead/waitlist"
    assert_problem(
        api.post(unknown, token=buyer.token, json={"sector_id": event["sector"], "quantity": 0}),
        422,
        "validation",
    )
    assert_problem(
        api.post(unknown, token=buyer.token, json={"sector_id": event["sector"]}), 404, "not-found"
    )
    other_sector = assert_problem(
        api.post(path, token=buyer.token, json={"sector_id": "00000000-0000-4000-8000-00000000beef"}),
        422,
        "validation",
    )
    assert other_sector["errors"][0]["field"] == "sector_id"
    assert_problem(join(api, buyer, event), 409, "invalid-state")  # places on sale: buy them instead
    hold(api, new_buyer(), event, 2)
    assert_problem(join(api, buyer, event, quantity=5), 409, "limit-exceeded")
    assert join(api, buyer, event, quantity=4).status == 201
    assert_problem(api.delete("/waitlist/not-a-uuid", token=buyer.token), 404, "not-found")


def test_a_draft_is_409_for_its_organizer_and_404_for_everyone_else(api, organizer_token, new_buyer):
    # Found by schemathesis' stateful phase: an event just created answered 404 to the one who created it.
    starts = "2099-06-01T20:00:00Z"
    draft = api.post(
        "/events", token=organizer_token, json={"name": "Rascunho", "venue": "Sala", "starts_at": starts}
    )
    assert draft.status == 201, draft.text
    path = f"/events/{draft.json['id']}/sectors"
    sector = {"name": "Pista", "kind": "general", "price_cents": 10000, "capacity": 1}
    made = api.post(path, token=organizer_token, json=sector)
    assert made.status == 201, made.text
    waitlist = f"/events/{draft.json['id']}/waitlist"
    wanted = {"sector_id": made.json["id"]}
    body = assert_problem(api.post(waitlist, token=organizer_token, json=wanted), 409, "invalid-state")
    assert "not on sale" in body["detail"]
    assert_problem(api.post(waitlist, token=new_buyer().token, json=wanted), 404, "not-found")
