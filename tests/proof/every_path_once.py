"""Run by test_no_pinning.py in a process of its own (its functions' pool and counters are not the session's):
a LocalRuntime on the given database serves every route and runs every background function and error path.
Usage: python every_path_once.py DATABASE_URL"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from proof_support import card, event_on_sale, send_webhook, template_routes  # noqa: E402

from localrun import LocalRuntime  # noqa: E402
from localrun.testing import ApiClient, eventually, random_cpf  # noqa: E402

DECLINED = "4000000000000002"


def _account(api: ApiClient, name: str) -> str:
    email, password = f"pin-{name}-{time.time_ns()}@example.com", "Pinning-12345!aA"
    made = api.post("/users", json={"email": email, "password": password, "name": name, "cpf": random_cpf()})
    assert made.status == 201, made.text
    return api.post("/auth/token", json={"email": email, "password": password}).json["access_token"]


def _every_path(api: ApiClient, runtime: LocalRuntime, admin_url: str) -> None:
    """Every route, every background function and the error paths, through HTTP as in AWS."""
    organizer = api.post(
        "/auth/token", json={"email": "organizer@example.com", "password": "Organizer-2026!"}
    ).json["access_token"]
    buyer = _account(api, "buyer")
    secret = runtime.environment["PAYMENT_WEBHOOK_SECRET"]
    # One buyer walks every path, so its unpaid holds may add up past the default per-account cap of 6.
    show = event_on_sale(api, organizer, capacity=60, seats=4, max_tickets_per_order=100)
    general = show["general"]["id"]

    def hold(quantity: int = 1, seat: int | None = None, product: int = 0) -> dict:
        line = (
            {"sector_id": show["seated"]["id"], "seat_id": show["seats"][seat]["id"]}
            if seat is not None
            else {"sector_id": general, "quantity": quantity, "type": "half", "half_category": "student"}
        )
        body = {"event_id": show["id"], "tickets": [line, {"sector_id": general, "quantity": quantity}]}
        if seat is not None:
            body["tickets"] = [line]
        if product:
            body["products"] = [{"product_id": show["product"]["id"], "quantity": product}]
        answer = api.post(
            "/orders", token=buyer, json=body, headers={"Idempotency-Key": f"k-{time.time_ns()}"}
        )
        assert answer.status == 201, answer.text
        return answer.json

    def pay(order: dict, **method) -> dict:
        return api.post(f"/orders/{order['id']}/payments", token=buyer, json=method)

    # Paid by card, invoiced, tickets, check-in, refund.
    paid = hold(1, product=1)
    assert api.put(f"/orders/{paid['id']}/products", token=buyer, json={"products": []}).status in (200, 409)
    assert pay(paid, method="card", card=card()).status in (200, 201)
    assert runtime.run_schedule_now("PublishOutboxFunction").succeeded
    assert eventually(lambda: api.get(f"/orders/{paid['id']}/invoice", token=buyer).status == 200)
    tickets = eventually(lambda: api.get(f"/orders/{paid['id']}/tickets", token=buyer).json.get("items"))
    assert tickets
    assert api.post("/checkins", token=organizer, json={"code": tickets[0]["code"]}).status == 200
    assert api.post("/checkins", token=organizer, json={"code": tickets[0]["code"]}).status == 409
    assert api.post(f"/orders/{paid['id']}/refund", token=organizer).status == 200
    # Pix approved by webhook, boleto declined by webhook, a declined card, a withdrawal.
    pix = pay(hold(1), method="pix").json
    assert send_webhook(api, secret, pix["id"], "approved").status == 200
    assert send_webhook(api, secret, pix["id"], "approved").status == 200  # a duplicate
    boleto = pay(hold(1), method="boleto").json
    assert send_webhook(api, secret, boleto["id"], "declined").status == 200
    declined = hold(1)
    assert pay(declined, method="card", card=card(DECLINED)).status in (200, 201, 402, 409)
    assert api.post(f"/orders/{pix['order_id']}/withdrawal", token=buyer).status in (200, 409)
    # Cancelled by the buyer; a seat; sold out; a hold left to expire, released by the job.
    assert api.post(f"/orders/{hold(1)['id']}/cancel", token=buyer).status == 200
    hold(seat=0)
    taken = api.post(
        "/orders",
        token=buyer,
        json={
            "event_id": show["id"],
            "tickets": [{"sector_id": show["seated"]["id"], "seat_id": show["seats"][0]["id"]}],
        },
    )
    assert taken.status == 409
    sold_out = api.post(
        "/orders",
        token=buyer,
        json={"event_id": show["id"], "tickets": [{"sector_id": general, "quantity": 60}]},
    )
    assert sold_out.status in (409, 422)
    lapsing = hold(1)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(
            "UPDATE orders SET expires_at = now() - interval '1 minute' WHERE id = %s", (lapsing["id"],)
        )
    assert runtime.run_schedule_now("ExpireHoldsFunction").succeeded
    # The database "restarts" for the functions: every connection they hold is cut.
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'ticketing' AND datname = current_database()"
        )
    assert eventually(lambda: api.get(f"/events/{show['id']}").status == 200)
    # Reports, lists, every route once with real ids (answers of any status: the handler runs).
    ids = {"event_id": show["id"], "order_id": paid["id"], "sector_id": general}
    for route in template_routes():
        method, path = route.method.upper(), route.path
        if "{" in path and not re.fullmatch(r"[^{]*(\{(event_id|order_id|sector_id)\}[^{]*)*", path):
            continue
        if (method, path) == ("DELETE", "/users/me"):
            continue  # it would delete the buyer this walk goes on with: run at the end instead
        url = path.format(**ids)
        for token in (None, buyer, organizer):
            if method in ("GET", "DELETE"):
                api.request(method, url, token=token)
            elif method in ("POST", "PUT", "PATCH"):
                api.request(method, url, {}, token=token)
    # An event cancelled: its paid orders are refunded by the background job; the outbox drains.
    second = event_on_sale(api, organizer, capacity=30, seats=2)
    order = api.post(
        "/orders",
        token=buyer,
        json={"event_id": second["id"], "tickets": [{"sector_id": second["general"]["id"], "quantity": 1}]},
    ).json
    assert pay(order, method="card", card=card()).status in (200, 201)
    assert api.patch(f"/events/{second['id']}", token=organizer, json={"status": "cancelled"}).status == 200
    assert runtime.run_schedule_now("RefundCancelledEventsFunction").succeeded
    assert runtime.run_schedule_now("PublishOutboxFunction").succeeded
    # Account deletion: the buyer (refused while it holds tickets to come), and one who holds none.
    assert api.request("DELETE", "/users/me", token=buyer).status in (204, 409)
    assert api.request("DELETE", "/users/me", token=_account(api, "leaver")).status == 204


def main(url: str) -> None:
    runtime = LocalRuntime(
        port=0,
        database_url=url,
        env_overrides={"EXPIRY_INTERVAL_SECONDS": "86400", "CANCELLATION_INTERVAL_SECONDS": "86400"},
    ).start()
    try:
        _every_path(ApiClient(runtime.base_url, timeout=20), runtime, url)
    finally:
        runtime.stop()


if __name__ == "__main__":
    main(sys.argv[1])
