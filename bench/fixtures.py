"""Users, events and sectors for the benchmarks, made through the catalog service (as an organizer would)."""

from __future__ import annotations

import itertools
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg

from ticketing import config, db
from ticketing.api.catalog import EventIn, EventPatch, SectorIn
from ticketing.auth import Caller
from ticketing.services import catalog


def use_database(url: str, pool_size: int = 16) -> None:
    """Point the application's settings and pool at `url` (the pool reopens on first use)."""
    os.environ["DATABASE_URL"] = url
    os.environ["DB_IAM_AUTH"] = "false"
    os.environ["DB_POOL_MIN"] = str(pool_size)
    os.environ["DB_POOL_MAX"] = str(pool_size)
    config.reload_settings()
    db.close_pool()


def warm_pool() -> None:
    """Open every connection of the pool before timing anything."""
    pool = db.pool()
    pool.wait(timeout=30)


def create_user(url: str, name: str, organizer: bool = False) -> Caller:
    """A profile row with a made-up Cognito subject (the service trusts the caller's `sub`)."""
    sub = f"bench-{secrets.token_hex(8)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (email, name, cognito_sub, cpf) VALUES (%s, %s, %s, NULL)",
            (f"{sub}@bench.example.com", name, sub),
        )
    return Caller(sub=sub, username=f"{sub}@bench.example.com", groups=("organizer",) if organizer else ())


def create_buyers(url: str, count: int, prefix: str) -> list[Caller]:
    """`count` buyer profiles in one statement, with the subjects `<prefix>-0` ... `<prefix>-<count - 1>`
    (pgbench scripts name them by number). A load that holds many places rotates through them: one
    account's unpaid orders for an event hold at most the event's max_tickets_per_order places."""
    tag = f"bench-{prefix}-{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (email, name, cognito_sub, cpf) "
            "SELECT %(tag)s || '-' || n || '@bench.example.com', 'Bench buyer ' || n, %(tag)s || '-' || n, NULL "
            "FROM generate_series(0, %(count)s - 1) AS n",
            {"tag": tag, "count": count},
        )
    return [
        Caller(sub=f"{tag}-{n}", username=f"{tag}-{n}@bench.example.com", groups=()) for n in range(count)
    ]


class BuyerRotation:
    """Hands out the buyers in turn to any number of threads: no account holds more than its share."""

    def __init__(self, buyers: list[Caller]) -> None:
        self.buyers = buyers
        self._turns = itertools.count()

    def next(self) -> Caller:
        return self.buyers[next(self._turns) % len(self.buyers)]  # next() on a count is atomic under the GIL

    @property
    def sub_prefix(self) -> str:
        """The subjects' common part: `<prefix>-<n>` names buyer n."""
        return self.buyers[0].sub.rsplit("-", 1)[0]


@dataclass
class BenchEvent:
    organizer: Caller
    event_id: str
    sectors: dict[str, dict]  # name -> sector document


def create_event_on_sale(
    organizer: Caller,
    name: str,
    sectors: list[SectorIn],
    max_tickets_per_order: int = 6,
) -> BenchEvent:
    event = catalog.create_event(
        organizer,
        EventIn(
            name=name,
            venue="Allianz Parque, São Paulo",
            starts_at=datetime.now(UTC) + timedelta(days=60),
            max_tickets_per_order=max_tickets_per_order,
        ),
    )
    made = {}
    for sector in sectors:
        made[sector.name] = catalog.create_sector(organizer, event["id"], sector)
    catalog.update_event(organizer, event["id"], EventPatch(status="on_sale"))
    return BenchEvent(organizer=organizer, event_id=event["id"], sectors=made)


def general_sector(name: str, capacity: int) -> SectorIn:
    return SectorIn(name=name, kind="general", price_cents=25_000, capacity=capacity)


def force_one_bucket(url: str, sector_id: str) -> None:
    """Put all the sector's free places in one counter row: the "single hot row" the pgbench reference
    updates (the service spreads a large capacity over up to 16 rows by default)."""
    with psycopg.connect(url) as conn, conn.transaction():
        total = conn.execute(
            "DELETE FROM sector_buckets WHERE sector_id = %s RETURNING available", (sector_id,)
        ).fetchall()
        conn.execute(
            "INSERT INTO sector_buckets (sector_id, bucket, available) VALUES (%s, 0, %s)",
            (sector_id, sum(row[0] for row in total)),
        )


def bucket_count(url: str, sector_id: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT count(*) FROM sector_buckets WHERE sector_id = %s", (sector_id,)
        ).fetchone()[0]


@dataclass
class PlacesCheck:
    capacity: int
    held_or_sold: int
    available: int
    buckets: int
    negative_buckets: int

    @property
    def exact(self) -> bool:
        return self.negative_buckets == 0 and self.held_or_sold + self.available == self.capacity

    def describe(self) -> str:
        return (
            f"capacity {self.capacity:,} = taken {self.held_or_sold:,} + free {self.available:,} "
            f"over {self.buckets} bucket(s), {self.negative_buckets} negative"
        )


def check_general_places(url: str, sector_id: str) -> PlacesCheck:
    """Places taken by live (not expired) or paid orders + free places in the buckets must equal capacity."""
    with psycopg.connect(url) as conn:
        capacity = conn.execute("SELECT capacity FROM sectors WHERE id = %s", (sector_id,)).fetchone()[0]
        taken = conn.execute(
            """
            SELECT COALESCE(sum(l.quantity), 0) FROM order_tickets l JOIN orders o ON o.id = l.order_id
             WHERE l.sector_id = %s AND o.status IN ('reserved', 'awaiting_payment', 'paid')
            """,
            (sector_id,),
        ).fetchone()[0]
        available, buckets, negative = conn.execute(
            "SELECT COALESCE(sum(available), 0), count(*), count(*) FILTER (WHERE available < 0)"
            " FROM sector_buckets WHERE sector_id = %s",
            (sector_id,),
        ).fetchone()
    return PlacesCheck(int(capacity), int(taken), int(available), int(buckets), int(negative))
