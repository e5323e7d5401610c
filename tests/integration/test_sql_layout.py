"""The database code's layout: migrations hold the schema only, and each SQL function lives in one file."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg

from ticketing.db.migrate import FUNCTION_FILES, FUNCTIONS_DIR, MIGRATIONS_DIR, apply_migrations_at

DB_DIR = FUNCTIONS_DIR.parent
CREATES = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE|VIEW|MATERIALIZED\s+VIEW|TRIGGER)\s+(\w+)",
    re.IGNORECASE | re.MULTILINE,
)


def _created(path: Path) -> list[str]:
    text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
    return [name.lower() for name in CREATES.findall(text)]


def test_every_sql_function_name_is_created_in_exactly_one_file():
    places: dict[str, list[str]] = {}
    for path in sorted(DB_DIR.rglob("*.sql")):
        for name in _created(path):
            places.setdefault(name, []).append(str(path.relative_to(DB_DIR)))
    assert places, "no SQL function found"
    assert {name: files for name, files in places.items() if len(files) > 1} == {}


def test_migrations_hold_no_function_and_each_function_file_holds_its_own_function():
    for path in MIGRATIONS_DIR.glob("*.sql"):
        assert _created(path) == [], f"{path.name} creates a function or view: it belongs in sql/"
    for path in FUNCTIONS_DIR.rglob("*.sql"):
        assert _created(path) == [path.stem], (
            f"{path.relative_to(FUNCTIONS_DIR)} must create only {path.stem}"
        )
        assert "CREATE OR REPLACE" in path.read_text(encoding="utf-8").upper()


def test_the_creation_order_lists_every_function_file_once():
    on_disk = sorted(str(path.relative_to(FUNCTIONS_DIR)) for path in FUNCTIONS_DIR.rglob("*.sql"))
    assert sorted(FUNCTION_FILES) == on_disk
    assert len(set(FUNCTION_FILES)) == len(FUNCTION_FILES)


def test_migrating_again_replaces_changed_and_removed_functions(database_url):
    """A function whose return type changed, or one no file creates any more, is dropped by the next migrate."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP FUNCTION iso_utc(timestamptz) CASCADE")
        conn.execute("CREATE FUNCTION iso_utc(t timestamptz) RETURNS int LANGUAGE sql RETURN 1")
        conn.execute("CREATE FUNCTION no_longer_in_any_file() RETURNS int LANGUAGE sql RETURN 1")
        conn.execute("CREATE FUNCTION hold_order(p jsonb, extra int) RETURNS int LANGUAGE sql RETURN 1")
    assert apply_migrations_at(database_url) == []
    with psycopg.connect(database_url, autocommit=True) as conn:
        names = {
            row[0]
            for row in conn.execute(
                "SELECT oid::regprocedure::text FROM pg_proc WHERE pronamespace = 'public'::regnamespace"
            )
        }
        iso = conn.execute("SELECT iso_utc('2026-01-02T03:04:05Z')").fetchone()[0]
    assert iso == "2026-01-02T03:04:05Z"
    assert "no_longer_in_any_file()" not in names
    assert [name for name in names if name.startswith("hold_order(")] == ["hold_order(jsonb)"]
    assert len(names) == len(FUNCTION_FILES)
