"""Expiry of many stale holds: the service's release_expired_holds against a raw UPDATE of the same rows
on an identical copy of the database, made in the same run."""

from __future__ import annotations

import time
from dataclasses import dataclass

import psycopg

from bench import fixtures
from bench.database import BenchServer
from ticketing import db
from ticketing.db.migrate import apply_migrations_at
from ticketing.services import orders

RAW_EXPIRY = """
    UPDATE orders SET status = 'expired'
     WHERE status IN ('reserved', 'awaiting_payment') AND expires_at <= now()
"""

# One stale hold of one general-admission place per order, buckets decremented to match, all in SQL. The
# holds are spread over enough accounts that none holds more than the event's max_tickets_per_order places,
# and each account's hold counter says so, as holds made through the service leave them.
MAKE_STALE_HOLDS = """
    WITH buyers AS (
        SELECT array_agg(id ORDER BY id) AS ids FROM users WHERE cognito_sub LIKE %(sub_prefix)s || '-%%'
    ), made AS (
        INSERT INTO orders (user_id, event_id, status, expires_at, ticket_count, tickets_cents,
                            products_cents, fee_cents, total_cents, created_at)
        SELECT buyers.ids[1 + g %% cardinality(buyers.ids)], %(event_id)s, 'reserved',
               now() - interval '20 minutes' + g * interval '1 millisecond', 1, 25000, 0, 0, 25000,
               now() - interval '40 minutes'
          FROM generate_series(1, %(count)s) g, buyers
        RETURNING id
    )
    INSERT INTO order_tickets (order_id, position, sector_id, quantity, type, unit_price_cents, unit_fee_cents)
    SELECT id, 1, %(sector_id)s, 1, 'full', 25000, 0 FROM made
"""

COUNT_HOLDS = """
    INSERT INTO account_hold_counts (event_id, user_id, held)
    SELECT event_id, user_id, sum(ticket_count) FROM orders
     WHERE event_id = %(event_id)s AND status = 'reserved'
     GROUP BY event_id, user_id
"""

HELD_AFTER = "SELECT COALESCE(sum(held), 0) FROM account_hold_counts WHERE event_id = %s"

TAKE_PLACES = """
    UPDATE sector_buckets b SET available = available - share.places
      FROM (SELECT bucket, %(count)s / n + CASE WHEN bucket < %(count)s %% n THEN 1 ELSE 0 END AS places
              FROM (SELECT bucket, count(*) OVER () AS n FROM sector_buckets WHERE sector_id = %(sector_id)s) x
           ) share
     WHERE b.sector_id = %(sector_id)s AND b.bucket = share.bucket
"""


@dataclass
class ExpiryResult:
    stale_holds: int
    service_seconds: float
    service_released: int
    raw_seconds: float
    raw_updated: int
    check_before: fixtures.PlacesCheck
    check_after: fixtures.PlacesCheck
    batch_size: int
    raw_runs: list[float]
    accounts: int
    held_after: int  # what the accounts' hold counters still say after the expiry (must be 0)

    @property
    def service_per_second(self) -> float:
        return self.service_released / self.service_seconds if self.service_seconds else 0.0

    @property
    def raw_per_second(self) -> float:
        return self.raw_updated / self.raw_seconds if self.raw_seconds else 0.0

    @property
    def places_back_exactly(self) -> bool:
        return (
            self.check_after.exact
            and self.check_after.available == self.check_after.capacity
            and self.service_released == self.stale_holds
            and self.held_after == 0
        )


def prepare_stale_holds(url: str, count: int) -> tuple[str, fixtures.BenchEvent]:
    """A database with `count` stale holds on one general sector (capacity 2 x count)."""
    apply_migrations_at(url)
    fixtures.use_database(url, pool_size=2)
    organizer = fixtures.create_user(url, "Expiry organizer", organizer=True)
    event = fixtures.create_event_on_sale(
        organizer, "Bench expiry", [fixtures.general_sector("Pista", count * 2)]
    )
    buyers = fixtures.BuyerRotation(fixtures.create_buyers(url, accounts_for(count), "expiry"))
    sector_id = event.sectors["Pista"]["id"]
    db.close_pool()
    with psycopg.connect(url) as conn, conn.transaction():
        params = {
            "sub_prefix": buyers.sub_prefix,
            "event_id": event.event_id,
            "sector_id": sector_id,
            "count": count,
        }
        conn.execute(MAKE_STALE_HOLDS, params)
        conn.execute(COUNT_HOLDS, params)
        conn.execute(TAKE_PLACES, params)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")
    return sector_id, event


def accounts_for(count: int, max_tickets_per_order: int = 6) -> int:
    """Accounts enough that `count` one-place holds leave none above the event's per-account cap."""
    return -(-count // max_tickets_per_order)


def _warm(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("SELECT count(*) FROM orders").fetchone()
        conn.execute("SELECT count(*) FROM order_tickets").fetchone()
        conn.execute("SELECT count(*) FROM sector_buckets").fetchone()


def run_expiry(server: BenchServer, count: int, batch_size: int = 1000) -> ExpiryResult:
    source = server.create_database("_expiry")
    sector_id, event = prepare_stale_holds(source, count)
    before = fixtures.check_general_places(source, sector_id)

    # The reference: one raw UPDATE of the same stale orders, on identical copies (the faster of two,
    # so a burst of load from another process makes the goal harder, never easier).
    raw_runs = []
    for number in range(2):
        copy = server.create_database(f"_expiry_copy{number}", template=source)
        _warm(copy)
        with psycopg.connect(copy, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
            started = time.perf_counter()
            raw_updated = conn.execute(RAW_EXPIRY).rowcount
            raw_runs.append(time.perf_counter() - started)
        server.drop_database(copy)
    raw_seconds = min(raw_runs)

    # The service's expiration job, on the original.
    _warm(source)
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
    fixtures.use_database(source, pool_size=1)
    fixtures.warm_pool()
    started = time.perf_counter()
    released = orders.release_expired_holds(batch_size=batch_size, time_budget_seconds=120)
    service_seconds = time.perf_counter() - started
    db.close_pool()
    after = fixtures.check_general_places(source, sector_id)
    with psycopg.connect(source) as conn:
        held_after = int(conn.execute(HELD_AFTER, (event.event_id,)).fetchone()[0])
    server.drop_database(source)
    return ExpiryResult(
        stale_holds=count,
        service_seconds=service_seconds,
        service_released=released,
        raw_seconds=raw_seconds,
        raw_updated=raw_updated,
        check_before=before,
        check_after=after,
        batch_size=batch_size,
        raw_runs=raw_runs,
        accounts=accounts_for(count),
        held_after=held_after,
    )
