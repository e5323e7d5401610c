"""Holds through the service layer in-process: a hot sector with one counter row and with the default
buckets, and the round trips one hold costs, counted on the wire."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from uuid import UUID

from bench import fixtures
from bench.measure import LoadResult, run_threads
from bench.wire import RoundTripCounter
from ticketing import db
from ticketing.api.orders import OrderIn, TicketLine
from ticketing.auth import Caller
from ticketing.domain.pricing import general_buckets
from ticketing.errors import DomainError
from ticketing.services import orders

HOT_CAPACITY = 1_000_000  # the largest capacity a sector may have: never sells out during a run
# One account's unpaid orders for an event hold at most the event's max_tickets_per_order places (contract
# v2), so a hot-sector load is many buyers, not a few: the hot events allow 100 (the most an event may) and
# the loads rotate through HOT_BUYERS accounts, far more places than any load here takes from one event.
HOT_MAX_PER_ACCOUNT = 100
HOT_BUYERS = 4_000


@dataclass
class HotSector:
    event: fixtures.BenchEvent
    sector_id: str
    buyers: fixtures.BuyerRotation


def prepare_hot_sector(
    url: str, organizer: Caller, buyers: fixtures.BuyerRotation, one_bucket: bool
) -> HotSector:
    name = "Pista (one bucket)" if one_bucket else "Pista (default buckets)"
    event = fixtures.create_event_on_sale(
        organizer,
        f"Bench hot sector {name}",
        [fixtures.general_sector(name, HOT_CAPACITY)],
        max_tickets_per_order=HOT_MAX_PER_ACCOUNT,
    )
    sector_id = event.sectors[name]["id"]
    if one_bucket:
        fixtures.force_one_bucket(url, sector_id)
    return HotSector(event=event, sector_id=sector_id, buyers=buyers)


def order_body(event_id: str, sector_id: str, quantity: int = 1) -> OrderIn:
    return OrderIn(
        event_id=UUID(event_id), tickets=[TicketLine(sector_id=UUID(sector_id), quantity=quantity)]
    )


def hold_load(name: str, hot: HotSector, workers: int, seconds: float) -> LoadResult:
    """`workers` threads holding one place each, as fast as they can, for `seconds`, each hold by the next
    buyer of the rotation."""
    body = order_body(hot.event.event_id, hot.sector_id)

    def hold(worker: int) -> str:
        try:
            held = orders.hold_order(hot.buyers.next(), body, None)
        except DomainError as exc:
            return f"{exc.status} {exc.name}"
        return "replayed" if held.replayed else "ok"

    fixtures.warm_pool()
    return run_threads(name, workers, seconds, hold)


@dataclass
class RoundTrips:
    holds: int
    total: int
    most_in_one_hold: int
    by_type: dict[str, int]
    per_hold: list[int]
    replay_round_trips: int
    worst_statements: list[str]

    @property
    def mean(self) -> float:
        return self.total / self.holds if self.holds else 0.0


def count_round_trips(url: str, hot: HotSector, holds: int = 20) -> RoundTrips:
    """Holds with an Idempotency-Key through a pool of one connection behind the counting proxy, by a
    buyer of their own (the holds stay within the event's per-account cap)."""
    buyer = fixtures.create_user(url, "Bench round-trip buyer")
    counter = RoundTripCounter(url)
    proxied = counter.start()
    try:
        fixtures.use_database(proxied, pool_size=1)
        fixtures.warm_pool()
        body = order_body(hot.event.event_id, hot.sector_id)
        keys = (f"bench-key-{n}" for n in itertools.count())
        per_hold = []
        by_type: dict[str, int] = {}
        first_key = None
        worst: list[str] = []
        for _ in range(holds):
            key = next(keys)
            first_key = first_key or key
            counter.reset()
            if orders.hold_order(buyer, body, key).replayed:
                raise RuntimeError("a hold with a new key was answered as a replay")
            per_hold.append(counter.round_trips)
            if counter.round_trips >= max(per_hold):
                worst = list(counter.statements)
            for kind, count in counter.by_type.items():
                by_type[kind] = by_type.get(kind, 0) + count
        counter.reset()
        replayed = orders.hold_order(buyer, body, first_key).replayed
        replay = counter.round_trips
        if not replayed:
            raise RuntimeError("a hold repeated with its key was not answered as a replay")
    finally:
        db.close_pool()
        counter.stop()
        fixtures.use_database(url)
    return RoundTrips(
        holds=holds,
        total=sum(per_hold),
        most_in_one_hold=max(per_hold),
        by_type=by_type,
        per_hold=per_hold,
        replay_round_trips=replay,
        worst_statements=worst,
    )


def default_bucket_count() -> int:
    return general_buckets(HOT_CAPACITY)


def server_errors(load: LoadResult) -> int:
    """Outcomes an HTTP client would have seen as 5xx: 5xx domain errors and unexpected exceptions."""
    return sum(
        count
        for outcome, count in load.outcomes.items()
        if outcome != "ok" and not (outcome[:1] == "4" and outcome[1:3].isdigit())
    )


def refusals(load: LoadResult) -> int:
    """4xx answers of a hot-sector load, which never sells out: any means the load measured refusals."""
    return sum(count for outcome, count in load.outcomes.items() if outcome[:1] == "4")


def hold_order_script(buyers: fixtures.BuyerRotation, event_id: str, sector_id: str):
    """pgbench calling the hold_order() SQL function directly: the database's share of a hold, each
    transaction by a buyer of the rotation drawn at random."""
    from bench.database import PgbenchScript

    tickets = json.dumps(
        [
            {
                "index": 0,
                "sector_id": sector_id,
                "seat_id": None,
                "quantity": 1,
                "type": "full",
                "half_category": None,
                "counts_to_quota": False,
            }
        ]
    )
    return PgbenchScript(
        name="pgbench calling hold_order()",
        setup_sql="",
        script=(
            f"\\set buyer random(0, {len(buyers.buyers) - 1})\n"
            "SELECT hold_order(jsonb_build_object('order_id', gen_random_uuid(), "
            f"'user_sub', '{buyers.sub_prefix}-' || :buyer::text, 'event_id', '{event_id}', 'tickets', '{tickets}'::jsonb, "
            "'products', '[]'::jsonb));\n"
        ),
    )


def hold_order_under_pgbench(
    url: str, buyers: fixtures.BuyerRotation, hot: HotSector, workers: int, seconds: float
) -> LoadResult:
    """hold_order() on the hot sector, called by pgbench with `workers` connections for `seconds`."""
    from bench.database import run_pgbench

    return run_pgbench(url, hold_order_script(buyers, hot.event.event_id, hot.sector_id), workers, seconds)
