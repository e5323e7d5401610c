"""What pins an RDS Proxy session to one client, read from a PostgreSQL log written with log_statement = 'all'.

Source: AWS RDS Proxy documentation, "Avoiding pinning an RDS Proxy" (PostgreSQL): SET / set_config, SQL
PREPARE, EXECUTE, DEALLOCATE and DISCARD, temporary tables, cursors (DECLARE), LISTEN, session-level advisory
locks, sequences manipulated in the statement text (nextval/setval), statements over 16 KB; and any named
(server-side) prepared statement of the extended protocol. The list and its source are in docs/DECISIONS.md."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_STATEMENT_BYTES = 16 * 1024

# One log record starts with the prefix the test sets: "<time> [<pid>] app=<application> db=<database> ".
_RECORD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[\d+\] app=(?P<app>\S*) db=(?P<db>\S*) "
)
_STATEMENT = re.compile(r"LOG:  (?:statement|execute (?P<name>\S+?)): (?P<sql>.*)", re.S)

PINNING_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("SET or RESET", re.compile(r"^\s*(SET|RESET)\b", re.I)),
    ("set_config()", re.compile(r"\bset_config\s*\(", re.I)),
    ("PREPARE/EXECUTE/DEALLOCATE/DISCARD", re.compile(r"^\s*(PREPARE|EXECUTE|DEALLOCATE|DISCARD)\b", re.I)),
    ("temporary table", re.compile(r"\bCREATE\s+(GLOBAL\s+|LOCAL\s+)?TEMP(ORARY)?\s+TABLE\b", re.I)),
    (
        "cursor",
        re.compile(
            r"^\s*DECLARE\s+\S+\s+(BINARY\s+|ASENSITIVE\s+|INSENSITIVE\s+|NO\s+SCROLL\s+|SCROLL\s+)*CURSOR\b",
            re.I,
        ),
    ),
    ("LISTEN", re.compile(r"^\s*LISTEN\b", re.I)),
    ("session advisory lock", re.compile(r"\bpg_(try_)?advisory_lock(_shared)?\s*\(", re.I)),
    ("nextval/setval in the text", re.compile(r"\b(nextval|setval)\s*\(", re.I)),
)


@dataclass(frozen=True)
class Statement:
    application: str
    database: str
    prepared_name: str | None  # None for a simple-protocol statement, "<unnamed>" for the unnamed one
    sql: str


def statements(log_text: str) -> list[Statement]:
    """Every statement the log records (a record may span several lines)."""
    records: list[list[str]] = []
    for line in log_text.splitlines():
        if _RECORD.match(line):
            records.append([line])
        elif records:
            records[-1].append(line)
    found = []
    for record in records:
        head = _RECORD.match(record[0])
        assert head is not None
        text = "\n".join(record)[head.end() :]
        match = _STATEMENT.search(text)
        if match:
            found.append(Statement(head["app"], head["db"], match["name"], match["sql"]))
    return found


def pinning(statement: Statement) -> list[str]:
    """Why this statement would pin a proxied session (empty: it does not)."""
    reasons = [name for name, rule in PINNING_RULES if rule.search(statement.sql)]
    if statement.prepared_name not in (None, "<unnamed>"):
        reasons.append(f"named prepared statement {statement.prepared_name}")
    if len(statement.sql.encode()) > MAX_STATEMENT_BYTES:
        reasons.append("statement over 16 KB")
    return reasons
