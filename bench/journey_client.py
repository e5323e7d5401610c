"""The purchase journey's load client, in a process of its own (`python -m bench.journey_client`, a JSON job
on stdin, one JSON answer on stdout).

Each client is a thread with one keep-alive connection to 127.0.0.1, as ../shared/tools/peer_bench.py
drives the seed's app: hold (every second journey a seat, else one general place) -> add an add-on ->
read the order -> pay by card -> read it back (must be `paid`). Bounded by time and by count.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from collections import Counter

APPROVED_CARD = {
    "number": "4111111111111111",
    "holder": "BENCH BUYER",
    "exp_month": 12,
    "exp_year": 2031,
    "cvv": "123",
}
MAX_JOURNEYS_PER_CLIENT = 100_000
MAX_CONSECUTIVE_FAILURES = 200


class Connection:
    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.port, self.timeout, self.conn = port, timeout, None

    def call(self, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, object, float]:
        headers = {"Authorization": f"Bearer {token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                answer = self.conn.getresponse()
                raw = answer.read()
                status = answer.status
                break
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    return 0, None, (time.perf_counter() - started) * 1000
        elapsed = (time.perf_counter() - started) * 1000
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw[:200]
        return status, parsed, elapsed


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ok_ms: list[float] = []
        self.steps: dict[str, list[float]] = {}
        self.errors: Counter = Counter()
        self.samples: dict[str, str] = {}
        self.requests = self.server_errors = self.failed = 0
        self.paid_orders: list[str] = []

    def record(self, step: str, status: int, ms: float, wanted: tuple[int, ...], body: object) -> bool:
        with self.lock:
            self.requests += 1
            self.steps.setdefault(step, []).append(ms)
            if status >= 500 or status == 0:
                self.server_errors += 1
            if status not in wanted:
                key = f"{step}:{status or 'connection error'}"
                self.errors[key] += 1
                self.samples.setdefault(key, str(body)[:200])
                return False
        return True


def journey(conn: Connection, job: dict, token: str, seat: str | None, stats: Stats) -> bool:
    started = time.perf_counter()
    line = (
        {"sector_id": job["seated_sector"], "seat_id": seat}
        if seat
        else {"sector_id": job["general_sector"], "quantity": 1}
    )
    status, order, ms = conn.call("POST", "/orders", token, {"event_id": job["event_id"], "tickets": [line]})
    if not stats.record("hold", status, ms, (201,), order):
        return False
    path = f"/orders/{order['id']}"
    status, body, ms = conn.call(
        "PUT", f"{path}/products", token, {"products": [{"product_id": job["product_id"], "quantity": 1}]}
    )
    if not stats.record("add-on", status, ms, (200,), body):
        return False
    status, body, ms = conn.call("GET", path, token)
    if not stats.record("read", status, ms, (200,), body):
        return False
    status, body, ms = conn.call("POST", f"{path}/payments", token, {"method": "card", "card": APPROVED_CARD})
    if not stats.record("pay", status, ms, (201,), body) or body.get("status") != "approved":
        return False
    status, body, ms = conn.call("GET", path, token)
    if not stats.record("verify", status, ms, (200,), body) or body.get("status") != "paid":
        stats.errors[f"verify:status={(body or {}).get('status')}"] += 1
        return False
    with stats.lock:
        stats.ok_ms.append((time.perf_counter() - started) * 1000)
        stats.paid_orders.append(order["id"])
    return True


def run(job: dict) -> dict:
    stats = Stats()
    seats = list(job["seats"])
    seats_lock = threading.Lock()
    used: list[str] = []
    tokens = job["tokens"]
    clients = int(job["clients"])
    barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

    def next_seat() -> str | None:
        with seats_lock:
            if not seats:
                return None
            used.append(seats[-1])
            return seats.pop()

    def worker(number: int) -> None:
        conn = Connection(job["port"])
        barrier.wait(60)
        failures = 0
        for k in range(MAX_JOURNEYS_PER_CLIENT):
            if time.monotonic() >= deadline[0] or failures >= MAX_CONSECUTIVE_FAILURES:
                break
            seated = (k + number) % 2 == 1
            seat = next_seat() if seated else None
            token = tokens[(number + k * clients) % len(tokens)]
            if journey(conn, job, token, seat, stats):
                failures = 0
            else:
                failures += 1
                with stats.lock:
                    stats.failed += 1
        if conn.conn is not None:
            conn.conn.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    cpu_before = time.process_time()
    started = time.monotonic()
    deadline[0] = started + float(job["seconds"])
    barrier.wait(60)
    for thread in threads:
        thread.join(float(job["seconds"]) + 120)
    elapsed = time.monotonic() - started
    return {
        "seconds": elapsed,
        "journeys": len(stats.ok_ms),
        "failed": stats.failed,
        "requests": stats.requests,
        "server_errors": stats.server_errors,
        "journey_ms": stats.ok_ms,
        "step_ms": stats.steps,
        "errors": dict(stats.errors),
        "samples": stats.samples,
        "paid_orders": stats.paid_orders,
        "used_seats": used,
        "cpu_seconds": time.process_time() - cpu_before,
    }


if __name__ == "__main__":
    print(json.dumps(run(json.load(sys.stdin))))
