"""Row 3's curve: a hot general sector with its free places in 1, 4, 16 and 64 counter rows (buckets), and
the alternative alf.io takes, one row per place taken with `SELECT ... FOR UPDATE SKIP LOCKED`, side by side.

Each variant is driven by pgbench (the database's share, without a client in Python on the same cores):
- the place take alone: `take_general_places(sector, 1, buckets)` (what a hold does to the counters), and the
  row-per-place statement on a bench-only table `bench_places` (one row per place, a partial index on the
  free ones, as alf.io's `ticket` table with its status);
- the whole hold: `hold_order()` on a sector with that many buckets.
Ratios are to the one-bucket figure of the same kind, measured in the same run.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from bench import fixtures, service_holds
from bench.database import PgbenchScript, run_pgbench
from bench.measure import LoadResult
from ticketing.auth import Caller

BUCKET_COUNTS = (1, 4, 16, 64)


@dataclass
class CurvePoint:
    buckets: int
    take: LoadResult  # take_general_places() alone
    hold: LoadResult  # hold_order()
    check: fixtures.PlacesCheck  # after both loads

    @property
    def exact(self) -> bool:
        """Every place is free, held by an order, or one of the takes pgbench counted: none lost or made."""
        places = self.check.held_or_sold + self.check.available + int(self.take.outcomes["ok"])
        return self.check.negative_buckets == 0 and places == self.check.capacity


@dataclass
class BucketCurve:
    points: list[CurvePoint]
    skip_locked: LoadResult  # one row per place, FOR UPDATE SKIP LOCKED
    skip_locked_places: int
    skip_locked_taken: int  # rows with an order after the load: each successful UPDATE took one

    @property
    def one_bucket(self) -> CurvePoint:
        return self.points[0]

    @property
    def skip_locked_exact(self) -> bool:
        return self.skip_locked_taken == int(self.skip_locked.outcomes["ok"])


def spread_over_buckets(url: str, sector_id: str, buckets: int) -> None:
    """Put a general sector's free places in `buckets` counter rows (as even as they divide) and record the
    count on the sector, which hold_order() passes to take_general_places()."""
    with psycopg.connect(url) as conn, conn.transaction():
        rows = conn.execute(
            "DELETE FROM sector_buckets WHERE sector_id = %s RETURNING available", (sector_id,)
        ).fetchall()
        total = sum(row[0] for row in rows)
        conn.execute(
            "INSERT INTO sector_buckets (sector_id, bucket, available)"
            " SELECT %(sector)s, b, %(total)s / %(n)s + CASE WHEN b < %(total)s %% %(n)s THEN 1 ELSE 0 END"
            " FROM generate_series(0, %(n)s - 1) b",
            {"sector": sector_id, "total": total, "n": buckets},
        )
        conn.execute("UPDATE sectors SET buckets = %s WHERE id = %s", (buckets, sector_id))


def take_script(sector_id: str, buckets: int) -> PgbenchScript:
    return PgbenchScript(
        name=f"pgbench take_general_places(), {buckets} bucket(s)",
        setup_sql="",
        script=f"SELECT take_general_places('{sector_id}'::uuid, 1, {buckets}::smallint);\n",
    )


def skip_locked_script(places: int) -> PgbenchScript:
    """alf.io's way: a row per place; a hold takes the first free rows nobody else has locked."""
    return PgbenchScript(
        name="pgbench row per place, FOR UPDATE SKIP LOCKED",
        setup_sql=(
            "DROP TABLE IF EXISTS bench_places;"
            "CREATE TABLE bench_places (id bigint PRIMARY KEY, sector int NOT NULL, order_id uuid);"
            f"INSERT INTO bench_places SELECT g, 1, NULL FROM generate_series(1, {places}) g;"
            "CREATE INDEX bench_places_free ON bench_places (sector, id) WHERE order_id IS NULL;"
        ),
        script=(
            "UPDATE bench_places SET order_id = gen_random_uuid()"
            " WHERE id = (SELECT id FROM bench_places WHERE sector = 1 AND order_id IS NULL"
            " ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED);\n"
        ),
    )


def places_taken(url: str) -> int:
    """Rows of the row-per-place table that an order took (an UPDATE that overwrote one would count less)."""
    with psycopg.connect(url) as conn:
        return int(conn.execute("SELECT count(order_id) FROM bench_places").fetchone()[0])


def run_bucket_curve(
    url: str, organizer: Caller, buyers: fixtures.BuyerRotation, workers: int, seconds: float
) -> BucketCurve:
    """Every point of the curve, then the row-per-place variant, each `workers` connections for `seconds`."""
    points: list[CurvePoint] = []
    for buckets in BUCKET_COUNTS:
        hot = service_holds.prepare_hot_sector(url, organizer, buyers, one_bucket=False)
        spread_over_buckets(url, hot.sector_id, buckets)
        take = run_pgbench(url, take_script(hot.sector_id, buckets), workers, seconds)
        hold = service_holds.hold_order_under_pgbench(url, buyers, hot, workers, seconds)
        points.append(CurvePoint(buckets, take, hold, fixtures.check_general_places(url, hot.sector_id)))
    # Enough rows that the run never sells out: far more than these cores take in `seconds`.
    places = max(200_000, int(seconds * 40_000))
    skip_locked = run_pgbench(url, skip_locked_script(places), workers, seconds)
    return BucketCurve(points, skip_locked, places, places_taken(url))
