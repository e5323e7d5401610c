"""How long and how big each benchmark is. BENCH_QUICK=1 gives the short run CI can afford."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class BenchSettings:
    quick: bool
    seconds: float  # duration of every fixed-duration load
    workers: int  # threads / clients / connections of the hot-sector loads
    rush_buyers: int
    rush_accounts: (
        int  # the rush's buyers share these accounts (each holds at most the event's 6 unpaid places)
    )
    http_buyers: int  # accounts the HTTP hold loads rotate through (each holds at most 100 of a hot event)
    rush_connections: int
    rush_general_places: int
    rush_seats: int
    stale_holds: int
    cold_start_samples: int
    journey_seconds: float  # each purchase-journey load (8 clients, then 1)
    only: str  # BENCH_ONLY=journey|onsale|buckets|hold runs that group of rows alone (see bench.run.ONLY)
    queue_events: int  # queued events each bench buyer joins (joins/s through HTTP)
    onsale_buyers: int  # the simulated on-sale: buyers joining, places, admissions a minute
    onsale_places: int
    onsale_rate: int

    @property
    def label(self) -> str:
        return "quick" if self.quick else "full"


def bench_settings() -> BenchSettings:
    quick = os.environ.get("BENCH_QUICK", "").strip().lower() in {"1", "true", "yes", "on"}
    seconds = float(os.environ.get("BENCH_SECONDS") or (2 if quick else 8))
    return BenchSettings(
        quick=quick,
        seconds=max(1.0, min(seconds, 30.0)),
        workers=16,
        rush_buyers=200 if quick else 1000,
        rush_accounts=200,
        http_buyers=int(seconds * 16) + 16,
        rush_connections=32 if quick else 64,
        rush_general_places=500,
        rush_seats=100,
        stale_holds=20_000 if quick else 100_000,
        cold_start_samples=3 if quick else 5,
        journey_seconds=max(
            1.0, min(float(os.environ.get("BENCH_JOURNEY_SECONDS") or (2 if quick else 20)), 60.0)
        ),
        only=os.environ.get("BENCH_ONLY", "").strip().lower(),
        queue_events=5 if quick else 20,
        onsale_buyers=10_000 if quick else 100_000,
        onsale_places=2_000 if quick else 20_000,
        onsale_rate=600 if quick else 2_000,
    )
