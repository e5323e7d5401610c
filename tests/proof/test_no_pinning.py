"""RDS Proxy without pinning, on every path: a runtime of its own on a database logged with
log_statement = 'all' serves every route and runs every background function and error path; no statement the
functions send would pin a proxied session (tests/proof/pinning.py lists what does, with its source).

The migration runs at deploy time on a session of its own (application name ticketing-migrate), closed right
after: it may pin its one connection (session advisory lock, SET, large function bodies), so it is left out."""

from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path

import psycopg
import pytest
from pinning import pinning, statements
from proof_support import PROJECT_ROOT, card, event_on_sale, send_webhook, template_routes

from localrun import LocalRuntime, database
from localrun.testing import ApiClient, random_cpf

PREFIX = "%m [%p] app=%a db=%d "
DECLINED = "4000000000000002"


def _log_file(admin: psycopg.Connection) -> Path | None:
    if admin.execute("SELECT current_setting('is_superuser')").fetchone()[0] != "on":
        return None
    data = Path(admin.execute("SELECT current_setting('data_directory')").fetchone()[0])
    log = data / "log"  # where the embedded server writes its log
    return log if log.is_file() else None


def _account(api: ApiClient, name: str) -> str:
    email, password = f"pin-{name}-{time.time_ns()}@example.com", "Pinning-12345!aA"
    made = api.post("/users", json={"email": email, "password": password, "name": name, "cpf": random_cpf()})
    assert made.status == 201, made.text
    return api.post("/auth/token", json={"email": email, "password": password}).json["access_token"]


def _until(check, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def _every_path(api: ApiClient, runtime: LocalRuntime, admin_url: str) -> None:
    """Every route, every background function and the error paths, through HTTP as in AWS."""
    organizer = api.post(
        "/auth/token", json={"email": "organizer@example.com", "password": "Organizer-2026!"}
    ).json["access_token"]
    buyer = _account(api, "buyer")
    secret = runtime.environment["PAYMENT_WEBHOOK_SECRET"]
    show = event_on_sale(api, organizer, capacity=60, seats=4)
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
    assert _until(lambda: api.get(f"/orders/{paid['id']}/invoice", token=buyer).status == 200)
    tickets = _until(lambda: api.get(f"/orders/{paid['id']}/tickets", token=buyer).json.get("items"))
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
        json={"event_id": show["id"], "tickets": [{"sector_id": general, "quantity": 100}]},
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
    assert _until(lambda: api.get(f"/events/{show['id']}").status == 200)
    # Reports, lists, every route once with real ids (answers of any status: the handler runs).
    ids = {"event_id": show["id"], "order_id": paid["id"], "sector_id": general}
    for route in template_routes():
        method, path = route.method.upper(), route.path
        if "{" in path and not re.fullmatch(r"[^{]*(\{(event_id|order_id|sector_id)\}[^{]*)*", path):
            continue
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


@pytest.fixture
def logged_database(database_url):
    server_url = database.with_database(database_url, "postgres")
    with psycopg.connect(server_url, autocommit=True) as admin:
        log = _log_file(admin)
        if log is None:
            pytest.skip("needs the embedded PostgreSQL (a superuser and its log file)")
        admin.execute(f"ALTER SYSTEM SET log_line_prefix = '{PREFIX}'")
        admin.execute("SELECT pg_reload_conf()")
    url = database.create_test_database(server_url, prefix="ticketing_pinning_")
    try:
        database.migrate(url)
        name = database.database_name(url)
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE \"{name}\" SET log_statement = 'all'")
        yield url, name, log
    finally:
        with contextlib.suppress(psycopg.Error):
            database.drop_database(url)
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute("ALTER SYSTEM RESET log_line_prefix")
            admin.execute("SELECT pg_reload_conf()")


def _pinning_in(log: Path, offset: int, name: str) -> tuple[int, list[tuple[list[str], str]]]:
    text = log.read_bytes()[offset:].decode(errors="replace")
    ours = [s for s in statements(text) if s.database == name and s.application == "ticketing"]
    return len(ours), [(pinning(s), s.sql[:300]) for s in ours if pinning(s)]


def test_no_statement_of_any_path_pins_an_rds_proxy_session(logged_database):
    url, name, log = logged_database
    offset = log.stat().st_size
    runtime = LocalRuntime(
        PROJECT_ROOT / "template.yaml",
        port=0,
        database_url=url,
        env_overrides={"EXPIRY_INTERVAL_SECONDS": "86400", "CANCELLATION_INTERVAL_SECONDS": "86400"},
    ).start()
    try:
        api = ApiClient(runtime.base_url, timeout=20)
        _every_path(api, runtime, url)
    finally:
        runtime.stop()
    time.sleep(0.5)  # the server writes its log asynchronously
    seen, pinned = _pinning_in(log, offset, name)
    assert seen > 200, f"only {seen} statements logged: is log_statement on?"
    assert pinned == []

    # The check's own proof: one SET on an application session is caught, and named.
    offset = log.stat().st_size
    with psycopg.connect(url, autocommit=True, application_name="ticketing") as session:
        session.execute("SET statement_timeout = 0")
    time.sleep(0.5)
    _, pinned = _pinning_in(log, offset, name)
    assert pinned == [(["SET or RESET"], "SET statement_timeout = 0")]
