"""Holds through the local HTTP runtime (scripts/localrun): steady load with wrk or the light Python
client, the round trips of a hold on the real HTTP path, and the on-sale rush."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bench import fixtures
from bench.database import PROJECT_ROOT
from bench.measure import CpuMeter, LoadResult, run_json_client
from bench.wire import RoundTripCounter
from ticketing import config, db
from ticketing.api.catalog import SeatRow, SectorIn
from ticketing.auth import Caller
from ticketing.domain.cpf import generate_cpf

PASSWORD = "Bench-2026!pass"  # noqa: S105 - throw-away local accounts in a dropped database


class RuntimeUnavailable(Exception):
    pass


def start_runtime(database_url: str):
    """The local runtime on a free port of 127.0.0.1 serving template.yaml against the bench database."""
    scripts = str(PROJECT_ROOT / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    try:
        from localrun import LocalRuntime
    except ImportError as exc:
        raise RuntimeUnavailable(f"scripts/localrun cannot be imported: {exc}") from exc
    runtime = LocalRuntime(
        port=0,
        host="127.0.0.1",
        database_url=database_url,
        seed=False,
        timed_schedules=False,  # no schedule runs during the measurement
        env_overrides={
            "LOG_LEVEL": "WARNING",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
            # A paid order's message leaves after the answer, not in it (see ticketing.services.outbox).
            "OUTBOX_PUBLISH_IN_BACKGROUND": "true",
        },
    )
    try:
        runtime.start()
    except Exception as exc:
        raise RuntimeUnavailable(f"the local runtime did not start: {type(exc).__name__}: {exc}") from exc
    _quiet_client_resets(runtime)
    return runtime


def _quiet_client_resets(runtime) -> None:
    """A load client closing its keep-alive connections at the end of a run is not an error worth a
    traceback on stderr (socketserver prints one per connection by default)."""
    server = getattr(runtime, "_server", None)
    if server is None:
        return
    original = server.handle_error

    def handle_error(request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        original(request, client_address)

    server.handle_error = handle_error


def _local_only(base_url: str) -> None:
    if not base_url.startswith("http://127.0.0.1:"):
        raise ValueError(f"benchmarks only call 127.0.0.1, not {base_url}")


def _call(base_url: str, method: str, path: str, body: dict, token: str | None = None) -> tuple[int, dict]:
    _local_only(base_url)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
        base_url + path, data=json.dumps(body).encode(), headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - 127.0.0.1 only
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def sign_up_buyers(base_url: str, count: int, prefix: str) -> list[str]:
    """Buyer accounts through POST /users and POST /auth/token, a few at a time; returns their access tokens."""
    rng = random.Random(prefix)
    cpfs = [generate_cpf(rng) for _ in range(count)]

    def sign_up(number: int) -> str:
        email = f"{prefix}-{number}@bench.example.com"
        status, answer = _call(
            base_url,
            "POST",
            "/users",
            {"email": email, "password": PASSWORD, "name": f"Buyer {number}", "cpf": cpfs[number]},
        )
        if status != 201:
            raise RuntimeUnavailable(f"sign-up answered {status}: {answer}")
        status, answer = _call(base_url, "POST", "/auth/token", {"email": email, "password": PASSWORD})
        if status != 200:
            raise RuntimeUnavailable(f"sign-in answered {status}: {answer}")
        return answer["access_token"]

    with ThreadPoolExecutor(max_workers=min(8, max(1, count))) as pool:
        return list(pool.map(sign_up, range(count)))


def _port(base_url: str) -> int:
    return int(base_url.rsplit(":", 1)[1])


def run_client(job: dict) -> tuple[dict, CpuMeter]:
    """The Python client in a process of its own; its CPU is the child's."""
    return run_json_client("bench.http_client", job, float(job.get("seconds", 0)) + 180, PROJECT_ROOT)


WRK_SCRIPT = """
local tokens = {%(tokens)s}
local body = '%(body)s'
local counter = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  server_errors = 0
  client_errors = 0
  created = 0
end

function request()
  counter = counter + 1
  local headers = {}
  headers["Authorization"] = "Bearer " .. tokens[(counter %% #tokens) + 1]
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/orders", headers, body)
end

function response(status, headers, body)
  if status >= 500 then
    server_errors = server_errors + 1
  elseif status >= 400 then
    client_errors = client_errors + 1
  elseif status == 201 then
    created = created + 1
  end
end

function done(summary, latency, requests)
  local server, client, made = 0, 0, 0
  for _, thread in ipairs(threads) do
    server = server + thread:get("server_errors")
    client = client + thread:get("client_errors")
    made = made + thread:get("created")
  end
  io.write(string.format(
    'BENCH {"requests": %%d, "seconds": %%f, "p50_us": %%f, "p99_us": %%f, "created": %%d, "server_errors": %%d, "client_errors": %%d, "socket_errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    made, server, client,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def run_wrk(base_url: str, tokens: list[str], body: dict, connections: int, seconds: float) -> LoadResult:
    wrk = shutil.which("wrk")
    assert wrk is not None
    lua = WRK_SCRIPT % {
        "tokens": ", ".join(json.dumps(t) for t in tokens),
        "body": json.dumps(body),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        with CpuMeter() as cpu:
            done = subprocess.run(
                [
                    wrk,
                    f"--threads={min(2, connections)}",
                    f"--connections={connections}",
                    f"--duration={max(1, round(seconds))}s",
                    "--timeout=10s",
                    f"--script={script.name}",
                    base_url,
                ],
                capture_output=True,
                text=True,
                timeout=seconds + 60,
                check=False,
            )
    finally:
        os.unlink(script.name)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    figures = json.loads(line[len("BENCH ") :])
    result = LoadResult(
        name="HTTP hold",
        seconds=figures["seconds"],
        latencies_ms=[],
        client_cpu_seconds=cpu.children_seconds,
        machine_busy=cpu.machine_busy,
        client=f"wrk ({connections} keep-alive connections)",
    )
    result.count_override = int(figures["created"])
    result.p50_override = figures["p50_us"] / 1000.0
    result.p99_override = figures["p99_us"] / 1000.0
    result.outcomes.update(
        {
            "201": figures["created"],
            "5xx": figures["server_errors"],
            "4xx": figures["client_errors"],
            "socket errors": figures["socket_errors"],
        }
    )
    return result


def run_python_client(
    base_url: str, tokens: list[str], body: dict, connections: int, seconds: float
) -> LoadResult:
    requests = [
        {
            "method": "POST",
            "path": "/orders",
            "headers": {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            "body": json.dumps(body),
        }
        for token in tokens
    ]
    job = {
        "kind": "steady",
        "host": "127.0.0.1",
        "port": _port(base_url),
        "connections": connections,
        "seconds": seconds,
        "requests": requests,
    }
    answer, cpu = run_client(job)
    statuses = answer["statuses"]
    result = LoadResult.from_client(
        "HTTP hold", answer, cpu, f"Python keep-alive client, own process ({connections} connections)"
    )
    result.count_override = int(statuses.get("201", 0))
    result.outcomes["5xx"] = sum(v for k, v in statuses.items() if k.isdigit() and int(k) >= 500)
    return result


def steady_holds(
    base_url: str, tokens: list[str], event_id: str, sector_id: str, connections: int, seconds: float
) -> LoadResult:
    body = {"event_id": event_id, "tickets": [{"sector_id": sector_id, "quantity": 1}]}
    if shutil.which("wrk"):
        return run_wrk(base_url, tokens, body, connections, seconds)
    return run_python_client(base_url, tokens, body, connections, seconds)


@dataclass
class HttpRoundTrips:
    requests: int
    most_in_one_request: int
    total: int
    replay: int
    replay_statements: list[str]
    worst_statements: list[str]


def count_http_round_trips(
    base_url: str, database_url: str, token: str, event_id: str, sector_id: str, holds: int = 10
) -> HttpRoundTrips:
    """POST /orders with an Idempotency-Key while the runtime's pool goes through the counting proxy."""
    counter = RoundTripCounter(database_url)
    proxied = counter.start()
    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = proxied
    os.environ["DB_POOL_MIN"] = "1"
    config.reload_settings()
    db.close_pool()
    body = {"event_id": event_id, "tickets": [{"sector_id": sector_id, "quantity": 1}]}
    per_request = []
    worst: list[str] = []
    try:
        _call_with_key(base_url, body, token, "warm-up-key")  # opens the pool's connection
        for number in range(holds):
            counter.reset()
            status = _call_with_key(base_url, body, token, f"http-key-{number}")
            if status != 201:
                raise RuntimeError(f"POST /orders answered {status}")
            per_request.append(counter.round_trips)
            if counter.round_trips >= max(per_request):
                worst = list(counter.statements)
        counter.reset()
        _call_with_key(base_url, body, token, "http-key-0")
        replay = counter.round_trips
        replay_statements = list(counter.statements)
    finally:
        if saved is not None:
            os.environ["DATABASE_URL"] = saved
        os.environ["DB_POOL_MIN"] = "2"
        config.reload_settings()
        db.close_pool()
        counter.stop()
    return HttpRoundTrips(holds, max(per_request), sum(per_request), replay, replay_statements, worst)


def _call_with_key(base_url: str, body: dict, token: str, key: str) -> int:
    _local_only(base_url)
    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
        base_url + "/orders",
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": key,
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - 127.0.0.1 only
            answer.read()
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


@dataclass
class RushResult:
    load: LoadResult
    buyers: int
    buyers_served: int
    general_check: fixtures.PlacesCheck
    seats_held: int
    seats_in_two_orders: int
    seat_lines_live: int
    problems: dict
    server_errors: int

    @property
    def oversold(self) -> bool:
        return (
            not self.general_check.exact
            or self.general_check.held_or_sold > self.general_check.capacity
            or self.seats_in_two_orders > 0
            or self.seats_held != self.seat_lines_live
        )


def on_sale_rush(
    base_url: str,
    database_url: str,
    organizer: Caller,
    tokens: list[str],
    buyers: int,
    connections: int,
    general_places: int,
    seats: int,
) -> RushResult:
    rows = [SeatRow(row=chr(ord("A") + n), seats=20) for n in range(seats // 20)]
    event = fixtures.create_event_on_sale(
        organizer,
        "Bench on-sale rush",
        [
            fixtures.general_sector("Pista", general_places),
            SectorIn(name="Cadeira", kind="seated", price_cents=40_000, rows=rows),
        ],
    )
    general_id = event.sectors["Pista"]["id"]
    seated_id = event.sectors["Cadeira"]["id"]
    import psycopg

    with psycopg.connect(database_url) as conn:
        seat_ids = [
            str(r[0]) for r in conn.execute("SELECT id FROM seats WHERE sector_id = %s", (seated_id,))
        ]
    job = {
        "kind": "rush",
        "host": "127.0.0.1",
        "port": _port(base_url),
        "connections": connections,
        "buyers": buyers,
        "tokens": tokens,
        "event_id": event.event_id,
        "general_sector_id": general_id,
        "seated_sector_id": seated_id,
        "seat_ids": seat_ids,
        "attempts": 3,
    }
    answer, cpu = run_client(job)
    statuses = answer["statuses"]
    load = LoadResult.from_client(
        "on-sale rush", answer, cpu, f"Python client, own process ({connections} connections)"
    )
    server_errors = sum(v for k, v in statuses.items() if k.isdigit() and int(k) >= 500)
    server_errors += statuses.get("connection error", 0)
    general = fixtures.check_general_places(database_url, general_id)
    with psycopg.connect(database_url) as conn:
        seats_held = conn.execute(
            "SELECT count(*) FROM seats WHERE sector_id = %s AND order_id IS NOT NULL", (seated_id,)
        ).fetchone()[0]
        twice, live_lines = conn.execute(
            """
            SELECT count(*) - count(DISTINCT l.seat_id), count(*)
              FROM order_tickets l JOIN orders o ON o.id = l.order_id
             WHERE l.sector_id = %s AND o.status IN ('reserved', 'awaiting_payment', 'paid')
            """,
            (seated_id,),
        ).fetchone()
    return RushResult(
        load=load,
        buyers=buyers,
        buyers_served=int(answer["buyers_served"]),
        general_check=general,
        seats_held=int(seats_held),
        seats_in_two_orders=int(twice),
        seat_lines_live=int(live_lines),
        problems=answer.get("problems", {}),
        server_errors=server_errors,
    )


def health(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/health", timeout=5) as answer:  # noqa: S310
            return answer.status == 200
    except OSError:
        return False


def python_path_note() -> str:
    return "wrk" if shutil.which("wrk") else "Python keep-alive client"
