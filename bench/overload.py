"""Overload sheds, never hangs: four times more concurrent buyers than the pool has connections, in-process
with the application's own pool (DB_POOL_WAIT_SECONDS = 1); midway another session locks the sector's rows
for 1.2 s, so every connection is busy and the other buyers must be shed. Every answer is 201, 409 or 503 within 2 s,
nothing is oversold, and once the load stops a single buyer is served at full speed again within seconds."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import psycopg

from bench import fixtures
from bench.service_holds import order_body
from ticketing import config, db
from ticketing.auth import Caller
from ticketing.errors import DomainError
from ticketing.services import orders

POOL = 4
BUYERS = 4 * POOL
ANSWER_LIMIT_S = 2.0
RECOVERY_LIMIT_S = 5.0
STALL_S = 1.2  # midway the sector's rows are locked by another session this long: the pool runs dry


@dataclass
class OverloadResult:
    answers: Counter = field(default_factory=Counter)
    slowest_s: float = 0.0
    over_limit: int = 0
    capacity: int = 0
    check: fixtures.PlacesCheck | None = None
    baseline_per_s: float = 0.0
    after_per_s: float = 0.0
    recovered_in_s: float | None = None

    @property
    def failures(self) -> list[str]:
        found = []
        unexpected = {k: v for k, v in self.answers.items() if k not in ("201", "409", "503")}
        if unexpected:
            found.append(f"answers other than 201/409/503: {unexpected}")
        if self.over_limit:
            found.append(
                f"{self.over_limit} answer(s) slower than {ANSWER_LIMIT_S:g} s (slowest {self.slowest_s:.2f} s)"
            )
        if self.check is None or not self.check.exact:
            found.append(f"places not exact: {self.check.describe() if self.check else 'not checked'}")
        if self.recovered_in_s is None:
            found.append(f"not back to full speed within {RECOVERY_LIMIT_S:g} s")
        return found

    def describe(self) -> str:
        recovered = "never" if self.recovered_in_s is None else f"{self.recovered_in_s:.1f} s"
        return (
            f"{BUYERS} buyers on a pool of {POOL}: answers {dict(self.answers)}, slowest {self.slowest_s:.2f} s; "
            f"{self.check.describe() if self.check else '-'}; one buyer before {self.baseline_per_s:,.0f}/s, "
            f"after {self.after_per_s:,.0f}/s (back to full speed in {recovered})"
        )


def _hold(buyer: Caller, body) -> str:
    try:
        orders.hold_order(buyer, body, None)
        return "201"
    except DomainError as exc:
        return str(exc.status)
    except Exception as exc:  # a bug: counted by its class name
        return type(exc).__name__


def _rate(buyers: fixtures.BuyerRotation, body, seconds: float) -> float:
    """One buyer at a time holding as fast as it can (holds by the rotation's accounts in turn, so none
    reaches the event's per-account cap); only answered holds count."""
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        done += _hold(buyers.next(), body) == "201"
    return done / seconds


def run_overload(url: str, seconds: float) -> OverloadResult:
    saved = {k: os.environ.get(k) for k in ("DB_POOL_WAIT_SECONDS",)}
    os.environ["DB_POOL_WAIT_SECONDS"] = "1"
    fixtures.use_database(url, pool_size=POOL)
    result = OverloadResult()
    try:
        organizer = fixtures.create_user(url, "Overload organizer", organizer=True)
        buyers = fixtures.BuyerRotation(fixtures.create_buyers(url, BUYERS * 4, "overload"))
        measuring = fixtures.BuyerRotation(fixtures.create_buyers(url, 1_000, "overload-speed"))
        # A sector that sells out during the load (409s) and a roomy one to measure speed before and after.
        # The event lets an account hold 100 places and the threads take turns over 4 accounts each, so
        # they sell the sector out between them (sold-out answers, not each account's cap).
        result.capacity = max(200, int(seconds * 150))
        event = fixtures.create_event_on_sale(
            organizer,
            "Overload",
            [fixtures.general_sector("Pista", result.capacity), fixtures.general_sector("Medida", 1_000_000)],
            max_tickets_per_order=100,
        )
        hot = order_body(event.event_id, event.sectors["Pista"]["id"])
        roomy = order_body(event.event_id, event.sectors["Medida"]["id"])
        fixtures.warm_pool()
        result.baseline_per_s = _rate(measuring, roomy, 1.0)

        lock = threading.Lock()
        deadline = time.perf_counter() + seconds

        def buyer(number: int) -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                answer = _hold(buyers.next(), hot)
                took = time.perf_counter() - started
                with lock:
                    result.answers[answer] += 1
                    result.slowest_s = max(result.slowest_s, took)
                    result.over_limit += took > ANSWER_LIMIT_S

        threads = [threading.Thread(target=buyer, args=(n,), daemon=True) for n in range(BUYERS)]
        for thread in threads:
            thread.start()
        time.sleep(seconds / 2)
        with psycopg.connect(url) as stall:  # one transaction: the rows stay locked until it rolls back
            stall.execute(
                "SELECT 1 FROM sector_buckets WHERE sector_id = %s FOR UPDATE",
                (event.sectors["Pista"]["id"],),
            )
            time.sleep(STALL_S)
            stall.rollback()
        for thread in threads:
            thread.join(seconds + 30)
        if any(thread.is_alive() for thread in threads):
            result.answers["hung"] += sum(thread.is_alive() for thread in threads)
        stopped = time.perf_counter()
        result.check = fixtures.check_general_places(url, event.sectors["Pista"]["id"])
        while time.perf_counter() - stopped < RECOVERY_LIMIT_S:
            result.after_per_s = _rate(measuring, roomy, 0.5)
            if result.after_per_s >= 0.7 * result.baseline_per_s:
                result.recovered_in_s = time.perf_counter() - stopped
                break
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        config.reload_settings()
        db.close_pool()
    return result
