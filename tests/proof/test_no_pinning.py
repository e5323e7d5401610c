"""RDS Proxy without pinning, on every path: a runtime of its own on a database logged with
log_statement = 'all' serves every route and runs every background function and error path; no statement the
functions send would pin a proxied session (tests/proof/pinning.py lists what does, with its source).

The migration runs at deploy time on a session of its own (application name ticketing-migrate), closed right
after: it may pin its one connection (session advisory lock, SET, large function bodies), so it is left out."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from pinning import pinning, statements

from localrun import database

HERE = Path(__file__).resolve().parent

PREFIX = "%m [%p] app=%a db=%d "


def _log_file(admin: psycopg.Connection) -> Path | None:
    if admin.execute("SELECT current_setting('is_superuser')").fetchone()[0] != "on":
        return None
    data = Path(admin.execute("SELECT current_setting('data_directory')").fetchone()[0])
    log = data / "log"  # where the embedded server writes its log
    return log if log.is_file() else None


@pytest.fixture
def logged_database(database_url):
    server_url = database.with_database(database_url, "postgres")
    with psycopg.connect(server_url, autocommit=True) as admin:
        log = _log_file(admin)
        if log is None:
            pytest.skip("needs the embedded PostgreSQL (a superuser and its log file)")
        admin.execute(f"ALTER SYSTEM SET log_line_prefix = '{PREFIX}'")
        admin.execute("SELECT pg_reload_conf()")
    url = database.create_test_database(server_url, prefix="ticketing_pinning_")
    try:
        database.migrate(url)
        name = database.database_name(url)
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE \"{name}\" SET log_statement = 'all'")
        yield url, name, log
    finally:
        with contextlib.suppress(psycopg.Error):
            database.drop_database(url)
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute("ALTER SYSTEM RESET log_line_prefix")
            admin.execute("SELECT pg_reload_conf()")


def _pinning_in(log: Path, offset: int, name: str) -> tuple[int, list[tuple[list[str], str]]]:
    text = log.read_bytes()[offset:].decode(errors="replace")
    ours = [s for s in statements(text) if s.database == name and s.application == "ticketing"]
    return len(ours), [(pinning(s), s.sql[:300]) for s in ours if pinning(s)]


def test_no_statement_of_any_path_pins_an_rds_proxy_session(logged_database):
    url, name, log = logged_database
    offset = log.stat().st_size
    root = HERE.parents[1]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root / "layers" / "shared"), str(root / "scripts"), str(root)]),
    }
    env.pop("DATABASE_URL", None)  # the script's runtime uses the database it is given, and its own moto
    env.pop("AWS_ENDPOINT_URL", None)
    done = subprocess.run(
        [sys.executable, str(HERE / "every_path_once.py"), url],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    time.sleep(0.5)  # the server writes its log asynchronously
    seen, pinned = _pinning_in(log, offset, name)
    assert seen > 200, f"only {seen} statements logged: is log_statement on?"
    assert pinned == []

    # The check's own proof: one SET on an application session is caught, and named.
    offset = log.stat().st_size
    with psycopg.connect(url, autocommit=True, application_name="ticketing") as session:
        session.execute("SET statement_timeout = 0")
    time.sleep(0.5)
    _, pinned = _pinning_in(log, offset, name)
    assert pinned == [(["SET or RESET"], "SET statement_timeout = 0")]
