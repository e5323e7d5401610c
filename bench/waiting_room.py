"""The waiting room (issue 17): joins and position polls through the local runtime, and a simulated on-sale.

- HTTP: buyers join several queued events (each join is a new entry), then poll their positions for a fixed
  time; PostgreSQL's transaction counter for the database is read before and after the polls (a poll must
  cause none).
- Simulated on-sale: the queue's own rules (ticketing.domain.waiting_room, what the service keeps in
  DynamoDB) driven by a controllable clock: buyers join before and during the first minute, ticks come at
  random moments as polls would, and every admitted buyer holds 1-4 places of the real PostgreSQL sector
  through `services.orders.hold_order` with a real admission token, until the sector is sold out.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import psycopg

from bench import fixtures
from bench.measure import CpuMeter, LoadResult
from ticketing import config, db
from ticketing.api.catalog import EventIn, EventPatch, QueueIn, SectorIn
from ticketing.api.orders import OrderIn
from ticketing.auth import Caller
from ticketing.domain import waiting_room as rules
from ticketing.errors import Conflict, ServiceUnavailable
from ticketing.services import catalog, orders, waiting_room

# ---------------------------------------------------------------- HTTP: joins/s and polls/s


def _queued_event(
    organizer: Caller, rate: int, capacity: int = 1000, opens_at: datetime | None = None
) -> dict:
    event = catalog.create_event(
        organizer,
        EventIn(
            name=f"Queued on-sale {secrets.token_hex(3)}",
            venue="Estádio",
            starts_at=datetime.now(UTC) + timedelta(days=60),
            max_tickets_per_order=4,
            queue=QueueIn(enabled=True, admit_per_minute=rate, opens_at=opens_at),
        ),
    )
    sector = catalog.create_sector(
        organizer, event["id"], SectorIn(name="Pista", kind="general", price_cents=20_000, capacity=capacity)
    )
    catalog.update_event(organizer, event["id"], EventPatch(status="on_sale"))
    return {"id": event["id"], "sector_id": sector["id"]}


def _transactions(conn: psycopg.Connection) -> int:
    """The database's committed + rolled-back transactions, once every backend's pending statistics are
    flushed (a backend reports them at most once a second). Read on a connection of its own, opened before
    the first reading (its start-up transaction is flushed by then): a pool of this process opening its
    connections meanwhile would add their set-up transactions to the count."""
    time.sleep(1.5)
    row = conn.execute(
        "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
    ).fetchone()
    return int(row[0])


class ConnectionCheckouts:
    """Counts connections taken from any psycopg pool of this process (the local runtime serves the
    functions in-process), while active."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def __enter__(self) -> ConnectionCheckouts:
        from psycopg_pool import ConnectionPool

        self._original = original = ConnectionPool.getconn

        def counted(pool, *args, **kwargs):
            with self._lock:
                self.count += 1
            return original(pool, *args, **kwargs)

        ConnectionPool.getconn = counted
        return self

    def __exit__(self, *exc_info: object) -> None:
        from psycopg_pool import ConnectionPool

        ConnectionPool.getconn = self._original


@dataclass
class QueueHttpResult:
    joins: LoadResult
    polls: LoadResult
    pg_transactions_during_polls: int  # pg_stat_database, less the reading itself
    connections_during_polls: int  # connections taken from the process's pools

    @property
    def queries_per_poll(self) -> float:
        """Connections the polls took from the process's pools, per poll: the runtime serves the functions
        in-process, so this is exactly what the poll route asked of PostgreSQL (must be 0)."""
        return self.connections_during_polls / self.polls.count if self.polls.count else 0.0

    @property
    def database_busy_per_poll(self) -> float:
        """The whole database's transactions per poll. Autovacuum after the earlier loads and the pools' own
        upkeep also count here, so it is only a cross-check: if the polls reached PostgreSQL it would be
        at least one per poll."""
        return self.pg_transactions_during_polls / self.polls.count if self.polls.count else 0.0


def http_joins_and_polls(
    base_url: str, url: str, organizer: Caller, tokens: list[str], events: int, seconds: float
):
    from localrun.testing import ApiClient

    config.reload_settings()
    queued = [_queued_event(organizer, rate=1) for _ in range(events)]  # one a minute: everyone keeps waiting
    client = ApiClient(base_url)
    jobs = [(event["id"], token) for event in queued for token in tokens]
    entries: list[tuple[str, str, str]] = []
    lock = threading.Lock()
    outcomes: Counter = Counter()

    def join(job: tuple[str, str]) -> float:
        event_id, token = job
        started = time.perf_counter()
        answer = client.post(f"/events/{event_id}/queue", token=token)
        took = (time.perf_counter() - started) * 1000
        with lock:
            outcomes[str(answer.status)] += 1
            if answer.status == 201:
                entries.append((event_id, answer.json["id"], token))
        return took

    with CpuMeter() as cpu, ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        started = time.perf_counter()
        latencies = list(pool.map(join, jobs))
        elapsed = time.perf_counter() - started
    joins = LoadResult(
        "queue joins (HTTP)", elapsed, latencies, outcomes, cpu.process_seconds, cpu.machine_busy
    )

    poll_outcomes: Counter = Counter()
    poll_latencies: list[float] = []
    stop = [0.0]

    def poll(worker: int) -> None:
        mine = entries[worker :: len(tokens)]
        index = 0
        while time.monotonic() < stop[0] and mine:
            event_id, entry_id, token = mine[index % len(mine)]
            index += 1
            started = time.perf_counter()
            answer = client.get(f"/events/{event_id}/queue/{entry_id}", token=token)
            took = (time.perf_counter() - started) * 1000
            with lock:
                poll_outcomes[str(answer.status)] += 1
                poll_latencies.append(took)

    reading = psycopg.connect(url, autocommit=True)
    before = _transactions(reading)
    stop[0] = time.monotonic() + seconds
    with (
        ConnectionCheckouts() as checkouts,
        CpuMeter() as cpu,
        ThreadPoolExecutor(max_workers=len(tokens)) as pool,
    ):
        started = time.perf_counter()
        list(pool.map(poll, range(len(tokens))))
        elapsed = time.perf_counter() - started
    after = _transactions(reading)
    reading.close()
    client.close()
    polls = LoadResult(
        "position polls (HTTP)", elapsed, poll_latencies, poll_outcomes, cpu.process_seconds, cpu.machine_busy
    )
    # Less one: the first reading's own transaction is counted by the second.
    return QueueHttpResult(joins, polls, max(0, after - before - 1), checkouts.count)


# ---------------------------------------------------------------- the simulated on-sale


@dataclass
class SimulatedOnSale:
    buyers: int
    places: int
    rate: int
    early: int
    admitted: int = 0
    holds: int = 0
    places_held: int = 0
    sold_out_answers: int = 0
    other_answers: Counter = field(default_factory=Counter)
    inversions: int = 0
    per_window: list[int] = field(default_factory=list)
    sell_out_seconds: float | None = None
    oversold: int = 0
    hold_seconds: float = 0.0

    @property
    def target_per_window(self) -> float:
        return self.rate / 6

    def window_spread(self) -> tuple[float, float]:
        full = self.per_window[:-1] or self.per_window  # the last window is cut short by the sell-out
        return min(full) / self.target_per_window, max(full) / self.target_per_window


def _buyers(url: str, count: int) -> list[str]:
    """`count` buyer accounts made in one statement (the on-sale's crowd)."""
    with db.connection() as conn, conn.transaction():
        rows = conn.execute(
            "INSERT INTO users (email, name, cognito_sub) "
            "SELECT 'crowd-' || n || '-' || %(tag)s || '@bench.example.com', 'Crowd ' || n, gen_random_uuid()::text "
            "FROM generate_series(1, %(count)s) AS n RETURNING cognito_sub",
            {"count": count, "tag": secrets.token_hex(3)},
        ).fetchall()
    return [row["cognito_sub"] for row in rows]


def simulated_on_sale(
    url: str, organizer: Caller, buyers: int, places: int, rate: int, early_share: float = 0.2
):
    """`buyers` join: a share before opens_at (spread over the five minutes before), the rest in the first
    minute; the queue admits `rate` a minute; each admitted buyer holds 1-4 places (real PostgreSQL, real
    token) until the sector is sold out. Time is simulated: ticks at random moments ~20 ms apart."""
    rng = random.Random(17)
    key = secrets.token_bytes(32)
    opens_ms = int(time.time() * 1000) + 10_000
    event = _queued_event(
        organizer, rate=rate, capacity=places, opens_at=datetime.fromtimestamp(opens_ms / 1000, UTC)
    )
    subs = _buyers(url, buyers)
    early = int(buyers * early_share)
    join_times = sorted(
        [opens_ms - rng.uniform(0, 300_000) for _ in range(early)]
        + [opens_ms + rng.uniform(0, 60_000) for _ in range(buyers - early)]
    )
    result = SimulatedOnSale(buyers=buyers, places=places, rate=rate, early=early)
    state = rules.QueueState(
        enabled=True,
        admit_per_minute=rate,
        opens_at_ms=opens_ms,
        credited_ms=rules.first_credit_ms(opens_ms, rate),
    )
    clock = join_times[0]
    next_join = 0
    admitted_order: list[int] = []  # join numbers (1-based) as admitted
    window_counts: Counter = Counter()
    sold_out = False
    pending: list[tuple[int, float]] = []  # (seq, admitted at) waiting for their hold
    hold_lock = threading.Lock()

    def hold(seq: int, admitted_at: float) -> None:
        nonlocal sold_out
        sub = subs[seq - 1]
        caller = Caller(sub=sub, username=sub, groups=())
        token = rules.sign_admission(key, sub, event["id"], int(admitted_at) + 15 * 60_000)
        quantity = rng.randint(1, 4)
        body = OrderIn(
            event_id=event["id"], tickets=[{"sector_id": event["sector_id"], "quantity": quantity}]
        )
        for attempt in range(5):
            try:
                orders.hold_order(caller, body, None, token)
                break
            except ServiceUnavailable:  # the pool is busy: a buyer retries
                if attempt == 4:
                    with hold_lock:
                        result.other_answers["unavailable"] += 1
                    return
                time.sleep(0.05 * (attempt + 1))
            except Conflict as exc:
                with hold_lock:
                    if exc.name == "sold-out":
                        result.sold_out_answers += 1
                    else:
                        result.other_answers[exc.name] += 1
                return
        with hold_lock:
            result.holds += 1
            result.places_held += quantity
            if result.places_held >= places and result.sell_out_seconds is None:
                result.sell_out_seconds = (admitted_at - opens_ms) / 1000

    original_key = waiting_room.admission_key
    waiting_room.admission_key = lambda: key  # the simulated tokens are signed with the simulation's key
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            while not sold_out and (next_join < buyers or state.waiting):
                # As the service does: who joined before opens_at is numbered, then the draw, then later joins.
                while next_join < buyers and join_times[next_join] <= min(clock, opens_ms - 0.001):
                    state = replace(state, joined=state.joined + 1)
                    next_join += 1
                if clock >= opens_ms and not state.drawn:
                    state = replace(state, pre_open=state.joined, seed=secrets.token_hex(32))
                while next_join < buyers and join_times[next_join] <= clock:
                    state = replace(state, joined=state.joined + 1)
                    next_join += 1
                before = state.admitted
                state = rules.with_admissions(state, int(clock))
                for rank in range(before + 1, state.admitted + 1):
                    seq = rules.seq_at_rank(state, rank)
                    admitted_order.append(seq)
                    window_counts[int((clock - opens_ms) // 10_000)] += 1
                    pending.append((seq, clock))
                if len(pending) >= 64 or (pending and next_join >= buyers and not state.waiting):
                    list(pool.map(lambda item: hold(*item), pending))
                    pending.clear()
                    sold_out = fixtures.check_general_places(url, event["sector_id"]).available == 0
                clock += rng.expovariate(1 / 20)
            if pending and not sold_out:
                list(pool.map(lambda item: hold(*item), pending))
    finally:
        waiting_room.admission_key = original_key
    result.hold_seconds = time.perf_counter() - started
    result.admitted = len(admitted_order)
    # Inversions: an early joiner admitted after a later one, or two later joiners out of join order.
    last_late = 0
    seen_late = False
    for seq in admitted_order:
        if seq <= early:
            result.inversions += int(seen_late)
        else:
            seen_late = True
            result.inversions += int(seq < last_late)
            last_late = max(last_late, seq)
    result.per_window = [window_counts[w] for w in range(max(window_counts) + 1)] if window_counts else [0]
    check = fixtures.check_general_places(url, event["sector_id"])
    result.oversold = max(0, check.held_or_sold - places) + (0 if check.exact else 1)
    return result
