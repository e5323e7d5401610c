"""`make soak`: mixed traffic through the local runtime for SOAK_SECONDS (600 by default), then the figures and
the invariants. Exit status 1 on any 5xx, a request that got no answer, or a broken invariant.

Traffic: browse (list, event, seat map), holds paid by card (approved and declined), pix and boleto settled
by signed webhooks, cancelled holds, holds left to lapse (released by the runtime's expiry schedule),
invoices, tickets and check-ins, and now and then an event cancelled (its paid orders refunded by the
schedule) and a new one put on sale. The runtime runs in a process of its own, so its memory is its own."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

from bench.database import BenchServer
from localrun.testing import ApiClient, create_event_on_sale, random_cpf
from ticketing.db.migrate import apply_migrations_at

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SECRET = "soak-webhook-secret"  # noqa: S105 - the local runtime's own, for this run only
APPROVED, DECLINED = "4111111111111111", "4000000000000002"
WORKERS = 6
# Each client pauses this long between steps: paid orders then arrive slower than the local invoice consumer
# (PDFs rendered in the runtime's one process) issues invoices, so its lag stays bounded over a long soak.
PAUSE_SECONDS = float(os.environ.get("SOAK_PAUSE_SECONDS", "0.1"))
# One account's unpaid orders for an event hold at most its max_tickets_per_order (6) places: enough accounts
# that the holds left unpaid a while (declined, lapsing) rarely reach it; refusals are printed by type.
BUYERS = 96


def card(number: str) -> dict:
    return {"number": number, "holder": "Maria da Silva", "exp_month": 7, "exp_year": 2032, "cvv": "987"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Soak:
    def __init__(self, url: str, base_url: str) -> None:
        self.url = url
        self.base_url = base_url
        self.statuses: Counter = Counter()
        self.hold_refusals: Counter = Counter()  # POST /orders answered 4xx, by problem type
        self.failures: list[str] = []
        self.lock = threading.Lock()
        self.events: list[dict] = []
        self.paid: list[tuple[str, str]] = []  # (order id, buyer token)
        self.lapsed: list[str] = []

    def client(self) -> ApiClient:
        return ApiClient(self.base_url, timeout=15)

    def call(self, api: ApiClient, method: str, path: str, body=None, token=None, headers=None, raw=None):
        try:
            answer = api.request(method, path, body, token=token, headers=headers, raw=raw)
        except Exception as exc:  # no answer: a hang or a dropped connection
            with self.lock:
                self.statuses["no answer"] += 1
                self.failures.append(f"{method} {path}: no answer ({type(exc).__name__}: {exc})")
            return None
        with self.lock:
            self.statuses[answer.status] += 1
            if answer.status >= 500:
                self.failures.append(f"{method} {path}: {answer.status} {answer.text[:200]}")
        return answer

    def account(self, api: ApiClient) -> str:
        email, password = f"soak-{time.time_ns()}-{random.randrange(10**6)}@example.com", "Soak-12345!aA"
        made = self.call(
            api, "POST", "/users", {"email": email, "password": password, "name": "S", "cpf": random_cpf()}
        )
        assert made is not None and made.status == 201, made and made.text
        return self.call(api, "POST", "/auth/token", {"email": email, "password": password}).json[
            "access_token"
        ]

    def new_event(self, api: ApiClient, organizer: str) -> dict:
        made = create_event_on_sale(
            api,
            organizer,
            name="Soak",
            max_tickets_per_order=6,
            sectors=[
                {"name": "Pista", "kind": "general", "price_cents": 10000, "capacity": 400},
                {
                    "name": "Cadeiras",
                    "kind": "seated",
                    "price_cents": 20000,
                    "rows": [{"row": "A", "seats": 20}],
                },
            ],
            products=[{"name": "Água", "price_cents": 500, "stock": 200}],
        )
        seats = api.get(f"/events/{made['id']}/sectors/{made['sectors'][1]['id']}/seats").json["items"]
        return {
            "id": made["id"],
            "general": made["sectors"][0]["id"],
            "seated": made["sectors"][1]["id"],
            "seats": [s["id"] for s in seats],
            "product": made["products"][0]["id"],
        }

    def webhook(self, api: ApiClient, payment_id: str, status: str) -> None:
        raw = json.dumps({"payment_id": payment_id, "status": status}).encode()
        signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        self.call(
            api,
            "POST",
            "/payments/webhook",
            raw=raw,
            headers={"Content-Type": "application/json", "X-Signature": signature},
        )

    def hold(self, api: ApiClient, token: str, event: dict) -> dict | None:
        if random.random() < 0.2:
            tickets = [{"sector_id": event["seated"], "seat_id": random.choice(event["seats"])}]
        else:
            tickets = [{"sector_id": event["general"], "quantity": random.randint(1, 3)}]
            if random.random() < 0.3:
                tickets.append(
                    {"sector_id": event["general"], "quantity": 1, "type": "half", "half_category": "student"}
                )
        body = {"event_id": event["id"], "tickets": tickets}
        if random.random() < 0.3:
            body["products"] = [{"product_id": event["product"], "quantity": 1}]
        answer = self.call(api, "POST", "/orders", body, token=token)
        if answer is not None and 400 <= answer.status < 500:
            with self.lock:
                self.hold_refusals[str(answer.json.get("type", "?")).rsplit("/", 1)[-1]] += 1
        return answer.json if answer is not None and answer.status == 201 else None

    def step(self, api: ApiClient, token: str, organizer: str) -> None:
        event = random.choice(self.events[-2:])
        action = random.random()
        if action < 0.35:  # browse
            self.call(api, "GET", "/events")
            self.call(api, "GET", f"/events/{event['id']}")
            self.call(api, "GET", f"/events/{event['id']}/sectors/{event['seated']}/seats")
            return
        if action < 0.45 and self.paid:  # after payment: invoice, tickets, check-in
            order_id, owner = random.choice(self.paid[-50:])
            self.call(api, "GET", f"/orders/{order_id}/invoice", token=owner)
            tickets = self.call(api, "GET", f"/orders/{order_id}/tickets", token=owner)
            if tickets is not None and tickets.status == 200 and tickets.json.get("items"):
                self.call(
                    api, "POST", "/checkins", {"code": tickets.json["items"][0]["code"]}, token=organizer
                )
            return
        order = self.hold(api, token, event)
        if order is None:
            return
        way = random.random()
        path = f"/orders/{order['id']}/payments"
        if way < 0.3:
            paid = self.call(api, "POST", path, {"method": "card", "card": card(APPROVED)}, token=token)
            if paid is not None and paid.status in (200, 201) and paid.json.get("status") == "approved":
                with self.lock:
                    self.paid.append((order["id"], token))
        elif way < 0.4:
            declined = self.call(api, "POST", path, {"method": "card", "card": card(DECLINED)}, token=token)
            if declined is not None and declined.status < 500:  # the buyer gives up: the places go back
                self.call(api, "POST", f"/orders/{order['id']}/cancel", token=token)
        elif way < 0.6:
            method = random.choice(["pix", "boleto"])
            pending = self.call(api, "POST", path, {"method": method}, token=token)
            if pending is not None and pending.status in (200, 201):
                outcome = "approved" if random.random() < 0.8 else "declined"
                self.webhook(api, pending.json["id"], outcome)
                if outcome == "approved":
                    with self.lock:
                        self.paid.append((order["id"], token))
        elif way < 0.75:
            self.call(api, "POST", f"/orders/{order['id']}/cancel", token=token)
        else:  # left to lapse: its deadline is moved to now, the expiry schedule gives the places back
            with psycopg.connect(self.url, autocommit=True) as admin:
                admin.execute("UPDATE orders SET expires_at = now() WHERE id = %s", (order["id"],))
            with self.lock:
                self.lapsed.append(order["id"])


def measure(soak: Soak, pid: int, name: str) -> dict:
    with psycopg.connect(soak.url, autocommit=True) as admin:
        connections = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        ).fetchone()[0]
    return {"when": name, "rss_mb": round(rss_mb(pid), 1), "pg_connections": connections - 1}


def invariants(url: str, deadline: float) -> list[str]:
    """Checked once the queues and schedules finished their backlog: waits while invoices keep being issued
    (the invoice consumer drains its queue, oldest first), at most until `deadline`."""
    broken: list[str] = []
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as db:
        last_progress, issued_before = time.monotonic(), -1
        while True:
            issued = db.execute("SELECT count(*) FROM invoices").fetchone()[0]
            not_invoiced = db.execute(
                "SELECT count(*) FROM orders o WHERE o.status = 'paid'"
                " AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.order_id = o.id)"
            ).fetchone()[0]
            lapsed = db.execute(
                "SELECT count(*) FROM orders WHERE status IN ('reserved', 'awaiting_payment') AND expires_at <= now()"
            ).fetchone()[0]
            if issued > issued_before:  # the consumer is still working through its queue
                issued_before, last_progress = issued, time.monotonic()
            stalled = time.monotonic() - last_progress > 90  # two outbox schedule runs without a new invoice
            if (not_invoiced == 0 and lapsed == 0) or stalled or time.monotonic() > deadline:
                break
            time.sleep(2)
        print(f"queues drained in {time.monotonic() - started:.0f} s after the traffic stopped")
        if not_invoiced:
            broken.append(f"{not_invoiced} paid order(s) without an invoice")
        if lapsed:
            broken.append(f"{lapsed} lapsed hold(s) still holding places")
        twice = db.execute(
            "SELECT count(*) FROM (SELECT order_id FROM invoices GROUP BY order_id HAVING count(*) > 1) x"
        ).fetchone()[0]
        if twice:
            broken.append(f"{twice} order(s) invoiced more than once")
        rows = db.execute(
            """
            SELECT s.id, s.capacity,
                   (SELECT COALESCE(sum(available), 0) FROM sector_buckets b WHERE b.sector_id = s.id) AS free,
                   (SELECT COALESCE(sum(l.quantity), 0) FROM order_tickets l JOIN orders o ON o.id = l.order_id
                     WHERE l.sector_id = s.id AND o.status IN ('reserved', 'awaiting_payment', 'paid')) AS taken,
                   (SELECT count(*) FROM sector_buckets b WHERE b.sector_id = s.id AND b.available < 0) AS negative
              FROM sectors s WHERE s.kind = 'general'
            """
        ).fetchall()
        for sector, capacity, free, taken, negative in rows:
            if negative or free + taken != capacity:
                broken.append(
                    f"sector {sector}: capacity {capacity} != free {free} + taken {taken} ({negative} negative)"
                )
        seats = db.execute(
            """
            SELECT count(*) FROM seats s JOIN orders o ON o.id = s.order_id
             WHERE o.status NOT IN ('reserved', 'awaiting_payment', 'paid')
            """
        ).fetchone()[0]
        if seats:
            broken.append(f"{seats} seat(s) still held by a released order")
    return broken


def main() -> int:
    seconds = float(os.environ.get("SOAK_SECONDS", "600"))
    random.seed(int(os.environ.get("SOAK_SEED", "15")))
    server = BenchServer().start()
    runtime = None
    log_path = Path(tempfile.gettempdir()) / f"soak-runtime-{os.getpid()}.log"
    try:
        url = server.create_database(suffix="_soak")
        apply_migrations_at(url)
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "PORT": str(port),
            "PAYMENT_WEBHOOK_SECRET": SECRET,
            "EXPIRY_INTERVAL_SECONDS": "5",
            "CANCELLATION_INTERVAL_SECONDS": "10",
            "LOG_LEVEL": "WARNING",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
        with open(log_path, "wb") as log:
            runtime = subprocess.Popen(  # noqa: S603 - our own runtime, no shell
                [sys.executable, "-m", "localrun"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=PROJECT_ROOT,
                start_new_session=True,
            )
        base_url = f"http://127.0.0.1:{port}"
        soak = Soak(url, base_url)
        api = soak.client()
        started = time.monotonic()
        while True:
            try:
                if api.get("/health").status == 200:
                    break
            except OSError:
                pass
            if runtime.poll() is not None or time.monotonic() - started > 120:
                raise RuntimeError(f"the local runtime did not start (its output: {log_path})")
            time.sleep(0.5)
        organizer = api.post(
            "/auth/token", json={"email": "organizer@example.com", "password": "Organizer-2026!"}
        ).json["access_token"]
        soak.events = [soak.new_event(api, organizer) for _ in range(2)]
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            tokens = list(pool.map(lambda _: soak.account(soak.client()), range(BUYERS)))
        print(
            f"Soak: {seconds:g} s of mixed traffic, {WORKERS} clients, through the local runtime (pid {runtime.pid})"
        )
        figures = [measure(soak, runtime.pid, "start")]
        deadline = time.monotonic() + seconds
        stop = threading.Event()

        def worker(number: int) -> None:
            client = soak.client()
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    soak.step(client, tokens[(number * 7 + random.randrange(BUYERS)) % BUYERS], organizer)
                    time.sleep(PAUSE_SECONDS)
                except Exception as exc:  # a bug of the soak itself: reported, the run goes on
                    with soak.lock:
                        soak.statuses[f"client error {type(exc).__name__}"] += 1

        threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(WORKERS)]
        for thread in threads:
            thread.start()
        middle_taken = False
        rotation = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(1)
            if not middle_taken and time.monotonic() >= deadline - seconds / 2:
                figures.append(measure(soak, runtime.pid, "middle"))
                middle_taken = True
            if time.monotonic() >= rotation:  # a new event on sale; the oldest one cancelled (refunds)
                rotation = time.monotonic() + 30
                soak.events.append(soak.new_event(api, organizer))
                old = soak.events.pop(0)
                soak.call(api, "PATCH", f"/events/{old['id']}", {"status": "cancelled"}, token=organizer)
        stop.set()
        for thread in threads:
            thread.join(30)
        figures.append(measure(soak, runtime.pid, "end"))
        broken = invariants(url, time.monotonic() + 600)

        print("requests by status:", dict(sorted(soak.statuses.items(), key=lambda kv: str(kv[0]))))
        total = sum(v for k, v in soak.statuses.items() if isinstance(k, int))
        errors = sum(v for k, v in soak.statuses.items() if isinstance(k, int) and k >= 500)
        print(
            f"requests: {total} ({total / seconds:.0f}/s); 5xx: {errors}; no answer: {soak.statuses['no answer']}"
        )
        print(f"paid orders: {len(soak.paid)}; holds left to lapse: {len(soak.lapsed)}")
        print(f"holds refused (4xx, by type): {dict(soak.hold_refusals)}")
        for figure in figures:
            print(
                f"  {figure['when']:>6}: runtime RSS {figure['rss_mb']} MB, PostgreSQL connections {figure['pg_connections']}"
            )
        middle = next(f for f in figures if f["when"] == "middle")["rss_mb"] if middle_taken else 0
        end = figures[-1]["rss_mb"]
        growth = (end - middle) / middle * 100 if middle else 0.0
        print(f"memory from middle to end: {growth:+.1f} % (flat: within 10 %)")
        print(
            "invariants:",
            "all hold (nothing oversold, every paid order invoiced once, every lapsed hold's places back)"
            if not broken
            else "BROKEN",
        )
        for item in broken:
            print("  -", item)
        for failure in soak.failures[:20]:
            print("  5xx/no answer:", failure)
        print(f"(the runtime's output: {log_path})")
        ok = not errors and not soak.statuses["no answer"] and not broken
        return 0 if ok else 1
    finally:
        if runtime is not None and runtime.poll() is None:
            runtime.send_signal(signal.SIGTERM)
            try:
                runtime.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(runtime.pid, signal.SIGKILL)
                runtime.wait(10)
        server.close()


if __name__ == "__main__":
    sys.exit(main())
