"""The database path as RDS Proxy needs it: the role carries the time limits (no SET), connections never prepare
statements server-side, and a pool that cannot give a connection within about a second answers 503."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest

from ticketing import db
from ticketing.config import reload_settings
from ticketing.errors import ServiceUnavailable
from ticketing.http import problem_response


def test_the_role_carries_the_time_limits_in_this_database(database_url):
    row = db.fetch_one(
        "SELECT s.setconfig FROM pg_db_role_setting s"
        " WHERE s.setrole = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
        "   AND s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    assert row is not None
    assert set(row["setconfig"]) >= {
        "statement_timeout=8s",
        "lock_timeout=5s",
        "idle_in_transaction_session_timeout=30s",
    }
    # A new application session has them without sending any SET.
    shown = db.fetch_one(
        "SELECT current_setting('statement_timeout') AS st, current_setting('lock_timeout') AS lt,"
        " current_setting('idle_in_transaction_session_timeout') AS it"
    )
    assert shown == {"st": "8s", "lt": "5s", "it": "30s"}


def test_application_connections_are_autocommit_and_never_prepare(database_url):
    with db.connection() as conn:
        assert conn.autocommit is True
        assert conn.prepare_threshold is None
        for _ in range(8):  # psycopg would prepare a statement run this often, were it allowed
            conn.execute("SELECT %s::int AS n", (1,))
        assert conn.execute("SELECT count(*) AS n FROM pg_prepared_statements").fetchone()["n"] == 0


@pytest.fixture
def one_connection_pool(database_url):
    saved = {k: os.environ.get(k) for k in ("DB_POOL_MIN", "DB_POOL_MAX", "DB_POOL_WAIT_SECONDS")}
    os.environ.update(DB_POOL_MIN="1", DB_POOL_MAX="1", DB_POOL_WAIT_SECONDS="1")
    reload_settings()
    db.close_pool()
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    reload_settings()
    db.close_pool()


def test_a_busy_pool_answers_503_with_retry_after_within_about_a_second(one_connection_pool):
    assert db.fetch_one("SELECT 1 AS one") == {"one": 1}  # the pool has served: a borrow now waits 1 s
    taken, release = threading.Event(), threading.Event()

    def hold_the_only_connection() -> None:
        with db.connection():
            taken.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_only_connection)
    holder.start()
    try:
        assert taken.wait(5)
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable) as shed:
            db.fetch_one("SELECT 1 AS one")
        waited = time.monotonic() - started
        assert 0.8 <= waited < 2.0, waited
    finally:
        release.set()
        holder.join(5)
    response = problem_response(shed.value)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert json.loads(response.body)["type"].endswith("/unavailable")
    # Once the connection is back, the next request is served at once.
    started = time.monotonic()
    assert db.fetch_one("SELECT 1 AS one") == {"one": 1}
    assert time.monotonic() - started < 0.5
