"""The purchase journey through the local runtime: hold -> add-on -> read -> pay by card -> read, with buyers
signed in beforehand, 8 clients and 1 client (bench/journey_client.py, a process of its own); then how long
after the load the last paid order had its invoice, ticket PDFs and e-mail.

Beside it, when BENCH_PEER_DIR names a prepared clone of the seed's app (see docs/BENCHMARKS.md), the same
journey against that app with ../shared/tools/peer_bench.py, in the same run."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench import fixtures
from bench.database import PROJECT_ROOT
from bench.measure import percentile, run_json_client
from ticketing.api.catalog import ProductIn, SeatRow, SectorIn
from ticketing.services import catalog

PEER_TOOL = PROJECT_ROOT.parent / "shared" / "tools" / "peer_bench.py"


@dataclass
class JourneyEvent:
    event_id: str
    general_sector: str
    seated_sector: str
    product_id: str
    seats: list[str]


@dataclass
class JourneyResult:
    clients: int
    seconds: float
    journeys: int
    failed: int
    server_errors: int
    journey_ms: list[float]
    step_ms: dict[str, list[float]]
    errors: dict[str, int]
    paid_orders: list[str]
    client_cpu_seconds: float
    machine_busy: float
    documents_seconds: float | None = None  # after the load, until the last paid order had all its documents
    documents_missing: int = 0

    @property
    def per_second(self) -> float:
        return self.journeys / self.seconds if self.seconds else 0.0

    @property
    def p50_ms(self) -> float:
        return percentile(sorted(self.journey_ms), 0.50)

    @property
    def p99_ms(self) -> float:
        return percentile(sorted(self.journey_ms), 0.99)

    def step_summary(self) -> str:
        return ", ".join(
            f"{step} p50 {statistics.median(ms):.1f} p99 {percentile(sorted(ms), 0.99):.1f}"
            for step, ms in self.step_ms.items()
            if ms
        )


@dataclass
class PeerResult:
    per_second: float
    p50_ms: float
    p99_ms: float
    server_errors: int
    raw: dict = field(default_factory=dict)


def prepare_event(url: str, organizer, seats: int = 20_000) -> JourneyEvent:
    rows = [SeatRow(row=f"R{n}", seats=200) for n in range(max(1, seats // 200))]
    event = fixtures.create_event_on_sale(
        organizer,
        "Journey bench",
        [
            SectorIn(name="Pista", kind="general", price_cents=25_000, capacity=1_000_000),
            SectorIn(name="Cadeira", kind="seated", price_cents=40_000, rows=rows),
        ],
    )
    product = catalog.create_product(
        organizer, ProductIn(name="Copo oficial", price_cents=3_000, stock=1_000_000, event_id=event.event_id)
    )
    seated = event.sectors["Cadeira"]["id"]
    with psycopg.connect(url) as conn:
        seat_ids = [str(r[0]) for r in conn.execute("SELECT id FROM seats WHERE sector_id = %s", (seated,))]
    return JourneyEvent(event.event_id, event.sectors["Pista"]["id"], seated, product["id"], seat_ids)


def run_journeys(
    base_url: str, tokens: list[str], event: JourneyEvent, clients: int, seconds: float
) -> JourneyResult:
    job = {
        "port": int(base_url.rsplit(":", 1)[1]),
        "clients": clients,
        "seconds": seconds,
        "tokens": tokens,
        "event_id": event.event_id,
        "general_sector": event.general_sector,
        "seated_sector": event.seated_sector,
        "product_id": event.product_id,
        "seats": event.seats,
    }
    answer, cpu = run_json_client("bench.journey_client", job, seconds + 300, PROJECT_ROOT)
    used = set(answer["used_seats"])
    event.seats = [seat for seat in event.seats if seat not in used]  # the next load takes other seats
    return JourneyResult(
        clients=clients,
        seconds=answer["seconds"],
        journeys=answer["journeys"],
        failed=answer["failed"],
        server_errors=answer["server_errors"],
        journey_ms=answer["journey_ms"],
        step_ms=answer["step_ms"],
        errors=answer["errors"],
        paid_orders=answer["paid_orders"],
        client_cpu_seconds=answer["cpu_seconds"],
        machine_busy=cpu.machine_busy,
    )


def documents_pending(url: str, order_ids: list[str]) -> int:
    """Paid orders of the list whose invoice JSON, ticket PDFs or e-mail is not done yet."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            """
            SELECT count(*) FROM unnest(%s::uuid[]) AS o(id)
              LEFT JOIN invoices i ON i.order_id = o.id
             WHERE i.id IS NULL OR i.written_at IS NULL OR i.tickets_written_at IS NULL OR i.emailed_at IS NULL
            """,
            (order_ids,),
        ).fetchone()[0]


def wait_for_documents(url: str, result: JourneyResult, timeout: float = 600.0) -> None:
    """Poll until every paid order of the run has all its documents; records how long after the load."""
    load_end = time.monotonic()
    pending = documents_pending(url, result.paid_orders)
    while pending and time.monotonic() - load_end < timeout:
        time.sleep(0.25)
        pending = documents_pending(url, result.paid_orders)
    result.documents_missing = pending
    result.documents_seconds = None if pending else time.monotonic() - load_end


def peer_dir() -> Path | None:
    folder = os.environ.get("BENCH_PEER_DIR", "").strip()
    return Path(folder) if folder and PEER_TOOL.exists() else None


def run_peer(folder: Path, clients: int, seconds: float, users: int = 1500) -> PeerResult:
    """The seed's app under the same journey (peer_bench.py starts and stops it by its pid)."""
    done = subprocess.run(
        [
            sys.executable,
            str(PEER_TOOL),
            "run",
            "--peer-dir",
            str(folder),
            "--clients",
            str(clients),
            "--duration",
            str(seconds),
            "--no-probe",
            "--users",
            str(users),
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 600,
        check=False,
    )
    line = next((x for x in reversed(done.stdout.splitlines()) if x.startswith("{")), None)
    if line is None:
        raise RuntimeError(f"peer_bench.py gave no result: {done.stderr.strip()[-600:]}")
    raw = json.loads(line)
    return PeerResult(
        per_second=float(raw.get("journeys_ok_per_s") or 0.0),
        p50_ms=float(raw.get("p50_ms") or 0.0),
        p99_ms=float(raw.get("p99_ms") or 0.0),
        server_errors=int(raw.get("server_5xx") or 0),
        raw=raw,
    )
