"""PostgreSQL access: one connection pool per process, reached through RDS Proxy with an IAM token in AWS.

Every statement runs on an autocommit connection: one statement is one round trip and one transaction.
Work that needs several statements to be atomic lives in one SQL function (see sql/), so it
still costs a single round trip and holds no lock across the network.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from ticketing.config import settings
from ticketing.errors import (
    CONFLICTS_BY_NAME,
    AdmissionRequired,
    DomainError,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    ValidationFailed,
)
from ticketing.metrics import emit
from ticketing.observability import traced

_pool: ConnectionPool | None = None
_pool_served = False  # once a connection was given, a request waits only db_pool_wait for the next
_pool_lock = threading.Lock()
_token: tuple[str, float] | None = None
_TOKEN_SECONDS = 600  # IAM auth tokens are valid for 15 minutes; renew well before


def _iam_token() -> str:
    """An RDS IAM auth token for the proxy, cached for ten minutes."""
    global _token
    now = time.monotonic()
    if _token is None or _token[1] < now:
        from ticketing.aws import client

        cfg = settings()
        value = client("rds").generate_db_auth_token(
            DBHostname=cfg.db_host, Port=cfg.db_port, DBUsername=cfg.db_user, Region=cfg.aws_region
        )
        _token = (value, now + _TOKEN_SECONDS)
    return _token[0]


class IamAuthConnection(psycopg.Connection):
    """A connection that signs in to RDS Proxy with a fresh IAM token instead of a password."""

    @classmethod
    def connect(cls, conninfo: str = "", **kwargs: Any):  # type: ignore[override]
        kwargs["password"] = _iam_token()
        return super().connect(conninfo, **kwargs)


def _conninfo() -> tuple[str, dict[str, Any], type[psycopg.Connection]]:
    cfg = settings()
    kwargs: dict[str, Any] = {
        "autocommit": True,
        "row_factory": dict_row,
        "connect_timeout": max(1, int(cfg.db_connect_timeout)),
        "application_name": "ticketing",
        # Locally and in the tests too, the settings RDS Proxy needs so it never pins a session: no
        # server-side prepared statements (nor the DEALLOCATE ALL psycopg sends after them), autocommit, no
        # start-up `options` (the proxy refuses them). Time-outs come from the database role (migrations).
        "prepare_threshold": None,
    }
    if cfg.db_iam_auth:
        # RDS Proxy: TLS required, an IAM token as the password.
        kwargs.update(
            host=cfg.db_host, port=cfg.db_port, dbname=cfg.db_name, user=cfg.db_user, sslmode="require"
        )
        return "", kwargs, IamAuthConnection
    if not cfg.database_url:
        raise RuntimeError("DATABASE_URL is not set and DB_IAM_AUTH is off: no database to reach")
    return cfg.database_url, kwargs, psycopg.Connection


def pool() -> ConnectionPool:
    """The process-wide pool, opened on first use (never at import, so handlers import cheaply)."""
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                cfg = settings()
                conninfo, kwargs, connection_class = _conninfo()
                _pool = ConnectionPool(
                    conninfo,
                    kwargs=kwargs,
                    connection_class=connection_class,
                    min_size=cfg.db_pool_min,
                    max_size=max(cfg.db_pool_min, cfg.db_pool_max),
                    timeout=cfg.db_connect_timeout + 2,
                    reconnect_timeout=30,
                    open=True,
                    name="ticketing",
                )
    return _pool


def close_pool() -> None:
    global _pool, _pool_served
    with _pool_lock:
        _pool_served = False
        if _pool is not None:
            _pool.close()
            _pool = None


def problem_from_sql(exc: psycopg.errors.RaiseException) -> DomainError:
    """A problem raised by one of our SQL functions: MESSAGE is its name, DETAIL the text; HINT is the field
    of a validation problem, and a JSON object of extra problem members for a conflict."""
    name = exc.diag.message_primary or ""
    detail = exc.diag.message_detail or None
    if name == "validation":
        return ValidationFailed.field(exc.diag.message_hint or "body", detail or "invalid")
    if name == "not-found":
        return NotFound(detail)
    if name == "forbidden":
        return Forbidden(detail)
    if name == "admission-required":
        return AdmissionRequired(detail)
    conflict = CONFLICTS_BY_NAME.get(name)
    if conflict is None:
        raise exc
    return conflict(detail, **_extra_members(exc.diag.message_hint))


def _extra_members(hint: str | None) -> dict[str, Any]:
    if not hint or not hint.startswith("{"):  # a conflict's HINT may also name the field it is about
        return {}
    try:
        members = json.loads(hint)
    except ValueError:
        return {}
    return members if isinstance(members, dict) else {}


_RETRYABLE = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)


@contextmanager
def connection() -> Iterator[psycopg.Connection]:
    """A pooled autocommit connection. A database that is down becomes a 503, never a hang;
    a problem raised by a SQL function becomes its domain error."""
    global _pool_served
    cfg = settings()
    # Overload sheds: a busy pool answers 503 within about a second instead of queueing the request until
    # the gateway gives up. The first borrow may also open the connection (TLS, IAM token): it waits longer.
    wait = cfg.db_pool_wait if _pool_served else cfg.db_connect_timeout + 2
    try:
        with traced("postgres"), pool().connection(timeout=wait) as conn:
            _pool_served = True
            yield conn
    except psycopg.errors.RaiseException as exc:
        raise problem_from_sql(exc) from None
    except PoolTimeout as exc:
        emit("DatabasePoolTimeouts")
        raise ServiceUnavailable("The service is busy; retry shortly") from exc
    except psycopg.OperationalError as exc:
        if isinstance(exc, _RETRYABLE):
            raise
        raise ServiceUnavailable("The database is unavailable; retry shortly") from exc


def call_json(sql: str, params: Any = None, attempts: int = 3) -> Any:
    """Run one statement returning one JSON value; retried when PostgreSQL broke a deadlock."""
    for attempt in range(attempts):
        try:
            with connection() as conn:
                row = conn.execute(sql, params).fetchone()
                return None if row is None else next(iter(row.values()))
        except _RETRYABLE:
            if attempt == attempts - 1:
                raise ServiceUnavailable("The database is busy; retry shortly") from None
    return None


def fetch_one(sql: str, params: Any = None) -> dict | None:
    with connection() as conn:
        return conn.execute(sql, params).fetchone()


def fetch_all(sql: str, params: Any = None) -> list[dict]:
    with connection() as conn:
        return conn.execute(sql, params).fetchall()
