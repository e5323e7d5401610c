"""The lock order of general-admission places: a buyer never waits for a bucket row while holding another
bucket row of the same sector out of bucket order, so concurrent buyers cannot deadlock.

The race is staged step by step with plain connections, so it is the same on every run."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from ticketing.api.orders import OrderIn
from ticketing.services import orders


def _wait_until_blocked(conn: psycopg.Connection, pid: int, timeout: float = 10.0) -> None:
    """Wait until the backend `pid` waits for a lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = conn.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
        if row and row[0] == "Lock":
            return
        time.sleep(0.02)
    raise AssertionError(f"backend {pid} never waited for a lock")


def test_a_buyer_whose_bucket_was_used_up_does_not_keep_it_while_waiting_for_a_lower_one(
    database_url, make_event
):
    ev = make_event(capacity=50)  # two buckets
    sector = ev["general"]["id"]
    with psycopg.connect(database_url, autocommit=True) as admin:
        assert admin.execute("SELECT buckets FROM sectors WHERE id = %s", (sector,)).fetchone()[0] == 2
        # Bucket 0 has 1 place (not enough for 2, but counted near sell-out); bucket 1 has 2.
        admin.execute(
            "UPDATE sector_buckets SET available = 1 WHERE sector_id = %s AND bucket = 0", (sector,)
        )
        admin.execute(
            "UPDATE sector_buckets SET available = 2 WHERE sector_id = %s AND bucket = 1", (sector,)
        )

    other_buyer = psycopg.connect(database_url)  # holds bucket 1 and uses one of its places
    near_sellout = psycopg.connect(database_url)  # holds bucket 0, later wants bucket 1: in bucket order
    buyer = psycopg.connect(database_url, autocommit=True)
    watcher = psycopg.connect(database_url, autocommit=True)
    outcome: dict[str, object] = {}
    try:
        other_buyer.execute(
            "UPDATE sector_buckets SET available = available - 1 WHERE sector_id = %s AND bucket = 1",
            (sector,),
        )
        near_sellout.execute(
            "SELECT 1 FROM sector_buckets WHERE sector_id = %s AND bucket = 0 FOR UPDATE", (sector,)
        )
        buyer_pid = buyer.info.backend_pid

        def take() -> None:
            try:
                buyer.execute("SELECT take_general_places(%s, 2, 2::smallint)", (sector,))
                outcome["result"] = "taken"
            except psycopg.Error as exc:
                outcome["result"] = exc

        thread = threading.Thread(target=take)
        thread.start()
        # Every bucket with room (only bucket 1) is busy: the buyer waits for it.
        _wait_until_blocked(watcher, buyer_pid)
        other_buyer.commit()  # bucket 1 now has 1 place: not enough any more
        # The buyer goes on to count every bucket in bucket order and waits for bucket 0.
        _wait_until_blocked(watcher, buyer_pid)
        # The transaction holding bucket 0 takes bucket 1, in bucket order. With the old order the buyer still
        # held bucket 1 here, and PostgreSQL broke the cycle with a deadlock error.
        near_sellout.execute("SET LOCAL lock_timeout = '5s'")
        try:
            near_sellout.execute(
                "SELECT 1 FROM sector_buckets WHERE sector_id = %s AND bucket = 1 FOR UPDATE", (sector,)
            )
        except psycopg.errors.DeadlockDetected:
            pytest.fail("the buyer kept bucket 1 while waiting for bucket 0: a deadlock")
        near_sellout.rollback()
        thread.join(10)
        assert not thread.is_alive()
        assert outcome["result"] == "taken"
        rows = watcher.execute(
            "SELECT bucket, available FROM sector_buckets WHERE sector_id = %s ORDER BY bucket", (sector,)
        ).fetchall()
        assert rows == [(0, 0), (1, 0)]
    finally:
        for conn in (other_buyer, near_sellout, buyer, watcher):
            conn.close()


def test_two_lines_of_one_sector_are_taken_in_one_go(database_url, make_event, new_user, sector_state):
    """Full and half price in the same general sector: one take for the sector, all places counted."""
    ev = make_event(capacity=50, half_quota=10)
    sector = ev["general"]["id"]
    body = OrderIn.model_validate(
        {
            "event_id": ev["event"]["id"],
            "tickets": [
                {"sector_id": sector, "quantity": 3},
                {"sector_id": sector, "quantity": 2, "type": "half", "half_category": "student"},
            ],
        }
    )
    order = orders.hold_order(new_user(), body).order
    assert order["ticket_count"] == 5
    assert sector_state(ev["event"]["id"], "Pista")["available"] == 45
