"""A light HTTP/1.1 keep-alive load client, run in its own process (`python -m bench.http_client`).

It reads a JSON job on stdin and writes a JSON result on stdout, so its CPU is measured apart from the
server's. Only 127.0.0.1 is allowed. Two jobs:
- "steady": `connections` keep-alive connections sending the given requests in turn for `seconds`;
- "rush": `buyers` simulated buyers, at most `connections` at once, each trying to buy a few times.
"""

from __future__ import annotations

import contextlib
import json
import random
import socket
import sys
import threading
import time
from collections import Counter
from queue import Empty, SimpleQueue

ALLOWED_HOSTS = {"127.0.0.1"}


class Connection:
    def __init__(self, host: str, port: int) -> None:
        if host not in ALLOWED_HOSTS:
            raise ValueError(f"benchmarks only load 127.0.0.1, not {host}")
        self.host, self.port = host, port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        return sock

    def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        payload = head.encode("latin-1") + b"\r\n" + body
        for attempt in range(2):
            if self.sock is None:
                self.sock = self._connect()
            try:
                self.sock.sendall(payload)
                return self._read_response()
            except (ConnectionError, TimeoutError, OSError):
                self.close()
                if attempt == 1:
                    raise
        raise ConnectionError("unreachable")

    def _read_response(self) -> tuple[int, bytes]:
        assert self.sock is not None
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buffer += chunk
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        close = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value.strip())
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        while len(rest) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection mid-body")
            rest += chunk
        body, self.buffer = rest[:length], rest[length:]
        if close:
            self.close()
        return status, body

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None


def steady(job: dict) -> dict:
    """Fixed-duration load: each connection sends its requests in turn, back to back."""
    connections = int(job["connections"])
    requests = job["requests"]
    barrier = threading.Barrier(connections + 1)
    deadline = [0.0]
    latencies: list[list[float]] = [[] for _ in range(connections)]
    statuses: list[Counter] = [Counter() for _ in range(connections)]

    def run(number: int) -> None:
        conn = Connection(job["host"], int(job["port"]))
        mine = [requests[(number + k) % len(requests)] for k in range(len(requests))]
        prepared = [(r["method"], r["path"], r["headers"], r["body"].encode()) for r in mine]
        for method, path, headers, body in prepared[:2]:  # warm-up: connect and cache the token
            with contextlib.suppress(OSError):
                conn.request(method, path, headers, body)
        barrier.wait()
        turn = 0
        clock = time.perf_counter
        while True:
            started = clock()
            if started >= deadline[0]:
                break
            method, path, headers, body = prepared[turn % len(prepared)]
            turn += 1
            try:
                status, _ = conn.request(method, path, headers, body)
            except OSError:
                statuses[number]["connection error"] += 1
                continue
            latencies[number].append((clock() - started) * 1000.0)
            statuses[number][str(status)] += 1
        conn.close()

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(connections)]
    for thread in threads:
        thread.start()
    cpu = time.process_time()
    deadline[0] = time.perf_counter() + float(job["seconds"])
    wall = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join(float(job["seconds"]) + 60)
    wall = time.perf_counter() - wall
    total = Counter()
    for counts in statuses:
        total.update(counts)
    return {
        "seconds": wall,
        "latencies_ms": [v for part in latencies for v in part],
        "statuses": dict(total),
        "cpu_seconds": time.process_time() - cpu,
    }


def rush(job: dict) -> dict:
    """Buyers arrive all at once; each tries up to `attempts` holds (a seat, or 1-2 general places),
    picking another seat after a 409. At most `connections` buyers are served at once."""
    rng = random.Random(int(job.get("seed", 2026)))
    event_id, general_id = job["event_id"], job["general_sector_id"]
    seated_id, seat_ids = job["seated_sector_id"], job["seat_ids"]
    tokens = job["tokens"]
    attempts = int(job.get("attempts", 3))
    queue: SimpleQueue = SimpleQueue()
    for number in range(int(job["buyers"])):
        queue.put((number, tokens[number % len(tokens)], random.Random(rng.random())))
    latencies: list[float] = []
    outcomes: Counter = Counter()
    problems: Counter = Counter()
    bought = Counter()
    lock = threading.Lock()

    def buyer_lines(choice: random.Random) -> list[dict]:
        if choice.random() < 0.5:
            return [{"sector_id": general_id, "quantity": choice.choice((1, 1, 2))}]
        return [{"sector_id": seated_id, "seat_id": choice.choice(seat_ids)}]

    def serve() -> None:
        conn = Connection(job["host"], int(job["port"]))
        while True:
            try:
                number, token, choice = queue.get_nowait()
            except Empty:
                break
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            for attempt in range(attempts):
                body = json.dumps({"event_id": event_id, "tickets": buyer_lines(choice)}).encode()
                headers["Idempotency-Key"] = f"rush-{number}-{attempt}"
                started = time.perf_counter()
                try:
                    status, answer = conn.request("POST", "/orders", headers, body)
                except OSError:
                    with lock:
                        outcomes["connection error"] += 1
                    continue
                elapsed = (time.perf_counter() - started) * 1000.0
                with lock:
                    latencies.append(elapsed)
                    outcomes[str(status)] += 1
                    if status >= 400:
                        try:
                            problems[json.loads(answer).get("type", "?").rsplit("/", 1)[-1]] += 1
                        except ValueError:
                            problems["not json"] += 1
                if status == 201:
                    with lock:
                        bought["buyers"] += 1
                    break
        conn.close()

    cpu = time.process_time()
    started = time.perf_counter()
    threads = [threading.Thread(target=serve, daemon=True) for _ in range(int(job["connections"]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(float(job.get("timeout", 120)))
    return {
        "seconds": time.perf_counter() - started,
        "latencies_ms": latencies,
        "statuses": dict(outcomes),
        "problems": dict(problems),
        "buyers_served": bought["buyers"],
        "cpu_seconds": time.process_time() - cpu,
    }


def main() -> int:
    job = json.load(sys.stdin)
    result = steady(job) if job["kind"] == "steady" else rush(job)
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
