"""The pinning check recognises what pins an RDS Proxy session, and lets ordinary statements through."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "proof"))
from pinning import pinning, statements  # noqa: E402

PREFIX = "2026-01-01 10:00:00.123 UTC [4242] app=ticketing db=shop "


def reasons(sql: str, kind: str = "statement") -> list[str]:
    found = statements(f"{PREFIX}LOG:  {kind}: {sql}\n")
    assert len(found) == 1
    return pinning(found[0])


def test_ordinary_statements_do_not_pin():
    assert reasons("SELECT hold_order($1)", "execute <unnamed>") == []
    assert reasons("UPDATE sector_buckets SET available = available - 1") == []
    assert reasons("SELECT pg_try_advisory_xact_lock(1)") == []
    assert reasons("BEGIN") == []


def test_each_pinning_kind_is_named():
    assert reasons("SET statement_timeout = 0") == ["SET or RESET"]
    assert reasons("select set_config('x.y', '1', false)") == ["set_config()"]
    assert reasons("DEALLOCATE ALL") == ["PREPARE/EXECUTE/DEALLOCATE/DISCARD"]
    assert reasons("DISCARD ALL") == ["PREPARE/EXECUTE/DEALLOCATE/DISCARD"]
    assert reasons("CREATE TEMP TABLE t (a int)") == ["temporary table"]
    assert reasons("DECLARE c NO SCROLL CURSOR FOR SELECT 1") == ["cursor"]
    assert reasons("LISTEN orders") == ["LISTEN"]
    assert reasons("SELECT pg_advisory_lock(7)") == ["session advisory lock"]
    assert reasons("SELECT nextval('s')") == ["nextval/setval in the text"]
    assert reasons("SELECT 1", "execute _pg3_0") == ["named prepared statement _pg3_0"]
    assert reasons("SELECT '" + "x" * 17000 + "'") == ["statement over 16 KB"]


def test_a_statement_spread_over_lines_is_one_record():
    log = f"{PREFIX}LOG:  statement: SELECT 1\n\tFROM t\n{PREFIX}LOG:  statement: SET x = 1\n"
    found = statements(log)
    assert [s.sql for s in found] == ["SELECT 1\n\tFROM t", "SET x = 1"]
    assert [pinning(s) for s in found] == [[], ["SET or RESET"]]
