"""`python -m bench`: every benchmark, then one table of ratios against references measured in this run."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field

from bench import (
    buckets,
    cold_start,
    expiry,
    fixtures,
    http_bench,
    journey,
    overload,
    service_holds,
    waiting_room,
)
from bench.database import HOT_ROW, SIXTEEN_ROWS, BenchServer, run_pgbench
from bench.measure import CpuMeter, LoadResult, percentile
from bench.settings import bench_settings
from ticketing import db
from ticketing.db.migrate import apply_migrations_at

_console = [sys.stdout]


def say(text: str = "") -> None:
    """Progress and results go to the console even while the runtime's own output is diverted."""
    _console[0].write(text + "\n")
    _console[0].flush()


@contextlib.contextmanager
def runtime_output_diverted(path: str):
    """Send everything written to file descriptors 1 and 2 (the application's JSON logs and metrics
    lines, the local runtime's, the embedded server's) to `path`, while say() keeps writing to the
    console."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    console = os.fdopen(os.dup(saved_out), "w")
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    _console[0] = console
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved_out, 1)
        os.dup2(saved_err, 2)
        os.close(saved_out)
        os.close(saved_err)
        _console[0] = sys.stdout
        console.close()


@dataclass
class Row:
    benchmark: str
    figure: str
    reference: str
    ratio: str
    goal: str
    met: str


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    loads: list[tuple[str, LoadResult]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def load(self, label: str, result: LoadResult) -> LoadResult:
        self.loads.append((label, result))
        say(f"  {label}: {result.summary()}")
        if set(result.outcomes) - {"ok", "201"}:
            say(f"    outcomes: {dict(result.outcomes)}")
        return result

    def fail(self, text: str) -> None:
        self.failures.append(text)
        say(f"  CORRECTNESS FAILURE: {text}")


def tps(result: LoadResult) -> str:
    return f"{result.per_second:,.0f}/s p50 {result.p50_ms:.1f} p99 {result.p99_ms:.1f} ms"


def verdict(value: float, goal: float, at_least: bool = True) -> str:
    return "yes" if (value >= goal if at_least else value <= goal) else "NO"


def print_table(report: Report) -> None:
    headers = ("benchmark", "figure", "reference (same run)", "ratio", "goal", "met?")
    cells = [headers] + [(r.benchmark, r.figure, r.reference, r.ratio, r.goal, r.met) for r in report.rows]
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(headers))]
    line = "+".join("-" * (w + 2) for w in widths)
    say("\n" + line)
    for number, row in enumerate(cells):
        say("|".join(f" {str(v).ljust(w)} " for v, w in zip(row, widths, strict=True)))
        if number == 0:
            say(line)
    say(line)


def main() -> int:
    settings = bench_settings()
    started = time.perf_counter()
    report = Report()
    app_output = os.path.join(tempfile.gettempdir(), f"bench-app-output-{os.getpid()}.log")
    with runtime_output_diverted(app_output):
        server = None
        try:
            server = BenchServer().start()
            if settings.only in ("", *ONLY):
                run_all(server, settings, report, app_output)
            else:
                raise ValueError(f"BENCH_ONLY={settings.only!r}: known are {', '.join(ONLY)}")
        except Exception:
            say(traceback.format_exc())
            report.fail("the benchmark run crashed (see the traceback above)")
        finally:
            db.close_pool()
            if server is not None:
                server.close()
    report.notes.append(
        f"what the application, the local runtime and the embedded server wrote (JSON logs, metrics lines) "
        f"is in {app_output}"
    )
    print_table(report)
    say("\nAbsolute figures (tps, p50/p99 ms, client CPU in cores, whole machine busy):")
    for label, result in report.loads:
        say(f"  {label}: {result.summary()}")
    for note in report.notes:
        say(f"  - {note}")
    say(f"\nTotal time {time.perf_counter() - started:.0f} s ({settings.label} run).")
    if report.failures:
        say("\nCORRECTNESS FAILURES:")
        for failure in report.failures:
            say(f"  - {failure}")
        return 1
    say("No correctness failure (no oversell, no 5xx, at most two round trips per hold).")
    return 0


def combined(name: str, first: LoadResult, second: LoadResult) -> LoadResult:
    """Two runs of the same load as one: mean rate, percentiles over every transaction of both."""
    result = LoadResult(
        name=name,
        seconds=first.seconds + second.seconds,
        latencies_ms=first.latencies_ms + second.latencies_ms,
        client_cpu_seconds=first.client_cpu_seconds + second.client_cpu_seconds,
        machine_busy=(first.machine_busy + second.machine_busy) / 2,
        client=first.client,
    )
    result.count_override = first.count + second.count
    return result


def background_load(seconds: float = 1.0) -> float:
    with CpuMeter() as cpu:
        time.sleep(seconds)
    return cpu.machine_busy


# BENCH_ONLY=<name>: one group of rows alone (with the pgbench reference it needs), for short runs.
ONLY = ("journey", "onsale", "buckets", "hold")


def run_all(server: BenchServer, settings, report: Report, app_output: str) -> None:
    url = server.create_database()
    apply_migrations_at(url)
    workers, seconds = settings.workers, settings.seconds
    if settings.only in ("journey", "onsale"):
        fixtures.use_database(url)
        organizer = fixtures.create_user(url, "Bench organizer", organizer=True)
        if settings.only == "journey":
            run_journey(url, organizer, settings, report, app_output)
        else:
            runtime = http_bench.start_runtime(url)  # its moto server holds the waiting room's table
            try:
                run_simulated_on_sale(url, organizer, settings, report)
            finally:
                runtime.stop()
        return
    if settings.only in ("buckets", "hold"):
        run_only_database_rows(url, settings, report)
        return
    report.notes.append(
        f"machine: {os.cpu_count()} CPU, Python {platform.python_version()}, PostgreSQL {server.version()} "
        f"({'embedded' if server.embedded else 'DATABASE_URL'}), app and pgbench over {server.transport}; "
        f"{settings.label} run, {seconds:g} s per load, {workers} workers"
    )
    say(f"Benchmarks ({settings.label} run) on a fresh database over {server.transport}")

    fixtures.use_database(url)
    organizer = fixtures.create_user(url, "Bench organizer", organizer=True)
    buyers = fixtures.BuyerRotation(fixtures.create_buyers(url, service_holds.HOT_BUYERS, "hot"))
    one_bucket = service_holds.prepare_hot_sector(url, organizer, buyers, one_bucket=True)
    bucketed = service_holds.prepare_hot_sector(url, organizer, buyers, one_bucket=False)
    buckets = fixtures.bucket_count(url, bucketed.sector_id)

    background = background_load()
    report.notes.append(
        f"machine busy before the run (other processes): {background * 100:.0f}%; the ratios compare runs made "
        "minutes apart, so load from other processes moves them"
    )
    say("pgbench references")
    hot_row_before = report.load("pgbench one hot row (first)", run_pgbench(url, HOT_ROW, workers, seconds))
    sixteen = report.load("pgbench 16 hot rows", run_pgbench(url, SIXTEEN_ROWS, workers, seconds))

    say("1. hold, hot sector with one bucket, service in-process")
    hold_one = report.load(
        "service hold, one bucket", service_holds.hold_load("one bucket", one_bucket, workers, seconds)
    )
    sql_one = report.load(
        "pgbench calling hold_order(), one bucket",
        service_holds.hold_order_under_pgbench(url, buyers, one_bucket, workers, seconds),
    )
    say(f"3. hold, hot sector with the default {buckets} buckets, service in-process")
    hold_many = report.load(
        f"service hold, {buckets} buckets", service_holds.hold_load("buckets", bucketed, workers, seconds)
    )
    sql_many = report.load(
        f"pgbench calling hold_order(), {buckets} buckets",
        service_holds.hold_order_under_pgbench(url, buyers, bucketed, workers, seconds),
    )
    hot_row_after = report.load("pgbench one hot row (again)", run_pgbench(url, HOT_ROW, workers, seconds))
    hot_row = combined("pgbench one hot row (both runs)", hot_row_before, hot_row_after)
    report.notes.append(
        f"reference: pgbench one hot row {hot_row_before.per_second:,.0f}/s before and "
        f"{hot_row_after.per_second:,.0f}/s after the service loads; the ratios use both together "
        f"({hot_row.per_second:,.0f}/s, p99 {hot_row.p99_ms:.1f} ms)"
    )

    ratio = hold_one.per_second / hot_row.per_second
    report.rows.append(
        Row(
            f"1. hold, hot GA sector (1 bucket), service in-process, {workers} threads",
            tps(hold_one),
            f"pgbench one hot row: {tps(hot_row)}",
            f"{ratio:.2f}",
            ">= 0.80",
            verdict(ratio, 0.80),
        )
    )
    report.rows.append(
        Row(
            "   (diagnosis) pgbench calling hold_order() on that sector",
            tps(sql_one),
            "pgbench one hot row",
            f"{sql_one.per_second / hot_row.per_second:.2f}",
            "-",
            "-",
        )
    )
    for name, load in (("one bucket", hold_one), (f"{buckets} buckets", hold_many)):
        if service_holds.server_errors(load):
            report.fail(
                f"service hold ({name}): {service_holds.server_errors(load)} errors {dict(load.outcomes)}"
            )
        if service_holds.refusals(load):
            report.fail(
                f"service hold ({name}) measured refusals, not holds: {dict(load.outcomes)} (too few buyer accounts?)"
            )
    for name, hot in (("one bucket", one_bucket), (f"{buckets} buckets", bucketed)):
        check = fixtures.check_general_places(url, hot.sector_id)
        report.notes.append(f"places after the {name} loads: {check.describe()}")
        if not check.exact:
            report.fail(f"hot sector ({name}) oversold or miscounted: {check.describe()}")
    check = fixtures.check_general_places(url, bucketed.sector_id)
    ratio = hold_many.per_second / hot_row.per_second
    report.rows.append(
        Row(
            f"3. hold, hot GA sector ({buckets} buckets), service in-process",
            tps(hold_many),
            "pgbench one hot row",
            f"{ratio:.2f}",
            ">= 1.5, never oversold",
            f"{verdict(ratio, 1.5)}; {'not oversold' if check.exact else 'OVERSOLD'}",
        )
    )
    report.rows.append(
        Row(
            "   (diagnosis) pgbench calling hold_order() on that sector",
            tps(sql_many),
            f"pgbench 16 hot rows: {tps(sixteen)}",
            f"{sql_many.per_second / hot_row.per_second:.2f}",
            "-",
            "-",
        )
    )

    run_bucket_curve(url, organizer, buyers, settings, report, hot_row)

    say("4. round trips per hold, counted on the wire")
    trips = service_holds.count_round_trips(url, bucketed)
    report.notes.append(
        f"round trips of {trips.holds} holds with an Idempotency-Key: {trips.per_hold} "
        f"(by message: {trips.by_type}; the costliest sent {trips.worst_statements}); "
        f"a replay of the same key: {trips.replay_round_trips}"
    )
    if trips.most_in_one_hold > 2:
        report.fail(f"a hold took {trips.most_in_one_hold} round trips")
    report.rows.append(
        Row(
            "4. round trips per hold (service, Idempotency-Key)",
            f"at most {trips.most_in_one_hold}, mean {trips.mean:.2f}",
            "counted on the wire (Sync/Query messages)",
            "-",
            "<= 2",
            verdict(trips.most_in_one_hold, 2, at_least=False),
        )
    )

    run_http(url, organizer, one_bucket, bucketed, hot_row, settings, report)
    run_journey(url, organizer, settings, report, app_output)

    say(f"5. expiry of {settings.stale_holds:,} stale holds")
    fixtures.use_database(url)
    result = expiry.run_expiry(server, settings.stale_holds)
    report.notes.append(
        f"expiry: release_expired_holds(batch {result.batch_size}) released {result.service_released:,} in "
        f"{result.service_seconds:.2f} s; raw UPDATE of {result.raw_updated:,} rows in "
        f"{' and '.join(f'{t:.2f}' for t in result.raw_runs)} s on two copies; "
        f"{result.accounts:,} accounts, their hold counters at {result.held_after} after; "
        f"before: {result.check_before.describe()}; after: {result.check_after.describe()}"
    )
    say(f"  {report.notes[-1]}")
    if not result.places_back_exactly:
        report.fail(f"expiry did not give every place back exactly: {result.check_after.describe()}")
    ratio = result.service_per_second / result.raw_per_second if result.raw_per_second else 0.0
    report.rows.append(
        Row(
            f"5. expiry of {settings.stale_holds:,} stale holds (release_expired_holds)",
            f"{result.service_per_second:,.0f} holds/s ({result.service_seconds:.2f} s)",
            f"raw UPDATE on an identical copy: {result.raw_per_second:,.0f} rows/s ({result.raw_seconds:.2f} s)",
            f"{ratio:.2f}",
            ">= 0.5, places back exactly",
            f"{verdict(ratio, 0.5)}; {'exact' if result.places_back_exactly else 'NOT EXACT'}",
        )
    )

    say(f"12. overload: {overload.BUYERS} concurrent buyers on a pool of {overload.POOL} connections")
    shed = overload.run_overload(url, settings.seconds * 2)
    report.notes.append(f"overload: {shed.describe()}")
    say(f"  {report.notes[-1]}")
    for failure in shed.failures:
        report.fail(f"overload: {failure}")
    report.rows.append(
        Row(
            f"12. overload, {overload.BUYERS} buyers on a pool of {overload.POOL} (service in-process)",
            f"slowest answer {shed.slowest_s:.2f} s; {dict(shed.answers)}",
            f"one buyer before: {shed.baseline_per_s:,.0f}/s, after: {shed.after_per_s:,.0f}/s",
            f"{shed.after_per_s / shed.baseline_per_s:.2f}" if shed.baseline_per_s else "-",
            "201/409/503 within 2 s, exact, full speed again <= 5 s",
            "yes" if not shed.failures else "NO",
        )
    )
    fixtures.use_database(url)

    say("7. cold start")
    cold = cold_start.measure_cold_start(settings.cold_start_samples)
    report.rows.append(
        Row(
            f"7. cold start: import + init of {cold.function}",
            f"{cold.function_import_ms:.0f} ms import ({cold.function_process_ms:.0f} ms process)",
            f"bare import boto3, psycopg, pydantic: {cold.bare_import_ms:.0f} ms ({cold.bare_process_ms:.0f} ms process)",
            f"{cold.import_ratio:.2f}",
            "- (figure only)",
            "-",
        )
    )
    say(f"  {report.rows[-1].figure} vs {report.rows[-1].reference}")


def run_only_database_rows(url: str, settings, report: Report) -> None:
    """BENCH_ONLY=buckets (row 3's curve) or BENCH_ONLY=hold (hold_order() under pgbench, one bucket and
    the default buckets), each beside the pgbench one-hot-row reference of the same run."""
    workers, seconds = settings.workers, settings.seconds
    fixtures.use_database(url)
    organizer = fixtures.create_user(url, "Bench organizer", organizer=True)
    buyers = fixtures.BuyerRotation(fixtures.create_buyers(url, service_holds.HOT_BUYERS, "hot"))
    hot_row = report.load("pgbench one hot row", run_pgbench(url, HOT_ROW, workers, seconds))
    if settings.only == "buckets":
        run_bucket_curve(url, organizer, buyers, settings, report, hot_row)
        return
    for one_bucket in (True, False):
        hot = service_holds.prepare_hot_sector(url, organizer, buyers, one_bucket=one_bucket)
        label = "one bucket" if one_bucket else f"{fixtures.bucket_count(url, hot.sector_id)} buckets"
        load = report.load(
            f"pgbench calling hold_order(), {label}",
            service_holds.hold_order_under_pgbench(url, buyers, hot, workers, seconds),
        )
        ratio = load.per_second / hot_row.per_second
        report.rows.append(
            Row(
                f"hold_order() alone under pgbench, hot GA sector ({label}), {workers} clients",
                tps(load),
                f"pgbench one hot row: {tps(hot_row)}",
                f"{ratio:.2f}",
                ">= 0.80" if one_bucket else "-",
                verdict(ratio, 0.80) if one_bucket else "-",
            )
        )


def run_bucket_curve(url, organizer, buyers, settings, report: Report, hot_row: LoadResult) -> None:
    """Row 3's curve: 1, 4, 16 and 64 buckets, and one row per place with SKIP LOCKED (alf.io), under pgbench."""
    say(f"3. curve: {', '.join(map(str, buckets.BUCKET_COUNTS))} buckets and a row per place (SKIP LOCKED)")
    curve = buckets.run_bucket_curve(url, organizer, buyers, settings.workers, settings.seconds)
    one = curve.one_bucket
    default = service_holds.default_bucket_count()
    for point in curve.points:
        take = report.load(f"pgbench take_general_places(), {point.buckets} bucket(s)", point.take)
        hold = report.load(f"pgbench hold_order(), {point.buckets} bucket(s)", point.hold)
        for load in (take, hold):
            if load.outcomes.get("failed"):
                report.fail(f"{load.name}: {load.outcomes['failed']} failed transactions")
        if not point.exact:
            report.fail(f"{point.buckets} bucket(s): places lost or made: {point.check.describe()}")
        take_ratio = take.per_second / one.take.per_second if one.take.per_second else 0.0
        hold_ratio = hold.per_second / one.hold.per_second if one.hold.per_second else 0.0
        main = point.buckets == default
        report.rows.append(
            Row(
                f"   curve: {point.buckets} bucket(s){' (default)' if main else ''}: place take / hold_order()",
                f"{take.per_second:,.0f} / {hold.per_second:,.0f} per s",
                "1 bucket, same kind"
                if point.buckets > 1
                else f"pgbench one hot row: {hot_row.per_second:,.0f}/s",
                f"{take_ratio:.2f} / {hold_ratio:.2f}"
                if point.buckets > 1
                else f"{take.per_second / hot_row.per_second:.2f} / {hold.per_second / hot_row.per_second:.2f}",
                ">= 1.5 (hold_order)" if main else "-",
                f"{verdict(hold_ratio, 1.5)}; {'exact' if point.exact else 'NOT EXACT'}"
                if main
                else ("exact" if point.exact else "NOT EXACT"),
            )
        )
    skip = report.load("pgbench row per place, FOR UPDATE SKIP LOCKED", curve.skip_locked)
    if not curve.skip_locked_exact:
        report.fail(
            f"row per place: {curve.skip_locked_taken} rows taken for {skip.outcomes['ok']} UPDATEs counted"
        )
    report.rows.append(
        Row(
            "   row per place, FOR UPDATE SKIP LOCKED (alf.io): place take",
            f"{skip.per_second:,.0f} per s",
            f"1 bucket: {one.take.per_second:,.0f}/s; {default} buckets: "
            f"{next(p.take.per_second for p in curve.points if p.buckets == default):,.0f}/s",
            f"{skip.per_second / one.take.per_second:.2f}" if one.take.per_second else "-",
            "- (figure only)",
            "exact" if curve.skip_locked_exact else "NOT EXACT",
        )
    )
    report.notes.append(
        f"bucket curve: pgbench, {settings.workers} clients, {settings.seconds:g} s each; the row-per-place "
        f"table had {curve.skip_locked_places:,} free places (bench-only table bench_places, partial index on "
        "the free ones)"
    )


def run_http(url, organizer, one_bucket, bucketed, hot_row, settings, report: Report) -> None:
    say("2. and 6. through the local HTTP runtime")
    try:
        runtime = http_bench.start_runtime(url)
    except http_bench.RuntimeUnavailable as exc:
        report.notes.append(f"HTTP benchmarks skipped: {exc}")
        say(f"  skipped: {exc}")
        report.rows.append(
            Row("2. hold through the local HTTP runtime", "not run", str(exc)[:60], "-", ">= 0.60", "not run")
        )
        run_rush_in_process(report)
        return
    try:
        # Enough accounts that no one of them reaches the hot events' per-account cap during a load, one
        # more of its own for the round trips; the waiting room's row keeps its 16 connections.
        tokens = http_bench.sign_up_buyers(runtime.base_url, settings.http_buyers + 1, "steady")
        trips_token, tokens = tokens[-1], tokens[:-1]
        client = "wrk" if shutil.which("wrk") else "Python keep-alive client (wrk not on PATH)"
        for label, hot, main_row in (("1 bucket", one_bucket, True), ("default buckets", bucketed, False)):
            load = report.load(
                f"HTTP hold, {label} ({client})",
                http_bench.steady_holds(
                    runtime.base_url,
                    tokens,
                    hot.event.event_id,
                    hot.sector_id,
                    settings.workers,
                    settings.seconds,
                ),
            )
            errors = int(load.outcomes.get("5xx", 0)) + int(load.outcomes.get("socket errors", 0))
            if errors:
                report.fail(f"HTTP hold ({label}): {errors} 5xx or socket errors {dict(load.outcomes)}")
            refused = sum(int(n) for status, n in load.outcomes.items() if status[:1] == "4")
            if refused:
                report.fail(
                    f"HTTP hold ({label}) measured refusals, not holds: {dict(load.outcomes)} (too few accounts?)"
                )
            ratio = load.per_second / hot_row.per_second
            p99_ratio = load.p99_ms / hot_row.p99_ms if hot_row.p99_ms else 0.0
            report.rows.append(
                Row(
                    f"2. hold through HTTP, hot GA sector ({label}), {client}, {settings.workers} conns"
                    if main_row
                    else f"   hold through HTTP, hot GA sector ({label})",
                    tps(load),
                    "pgbench one hot row",
                    f"{ratio:.2f}; p99 {p99_ratio:.1f}x",
                    ">= 0.60, p99 <= 3x" if main_row else "-",
                    f"{verdict(ratio, 0.60)}; p99 {verdict(p99_ratio, 3.0, at_least=False)}"
                    if main_row
                    else "-",
                )
            )
        trips = http_bench.count_http_round_trips(
            runtime.base_url, url, trips_token, bucketed.event.event_id, bucketed.sector_id
        )
        report.notes.append(
            f"round trips of POST /orders with an Idempotency-Key through HTTP: at most {trips.most_in_one_request}, "
            f"{trips.total} for {trips.requests} requests (statements of the costliest: {trips.worst_statements}); "
            f"a replay: {trips.replay} ({trips.replay_statements})"
        )
        if trips.most_in_one_request > 2:
            report.fail(f"POST /orders took {trips.most_in_one_request} round trips")
        report.rows.append(
            Row(
                "4. round trips per POST /orders (HTTP, Idempotency-Key)",
                f"at most {trips.most_in_one_request}, mean {trips.total / trips.requests:.2f}",
                "counted on the wire",
                "-",
                "<= 2",
                verdict(trips.most_in_one_request, 2, at_least=False),
            )
        )
        say(f"6. on-sale rush: {settings.rush_buyers} buyers")
        rush_tokens = http_bench.sign_up_buyers(runtime.base_url, settings.rush_accounts, "rush")
        rush = http_bench.on_sale_rush(
            runtime.base_url,
            url,
            organizer,
            rush_tokens,
            settings.rush_buyers,
            settings.rush_connections,
            settings.rush_general_places,
            settings.rush_seats,
        )
        record_rush(report, rush, "HTTP", settings)
        run_waiting_room(runtime.base_url, url, organizer, tokens[: settings.workers], settings, report)
    finally:
        runtime.stop()
        fixtures.use_database(url)


def route_durations(log_path: str, offset: int) -> dict[str, list[float]]:
    """The access log's duration_ms per route, from what the functions wrote after `offset`."""
    found: dict[str, list[float]] = {}
    with open(log_path, "rb") as log:
        log.seek(offset)
        for raw in log:
            if b'"duration_ms"' not in raw:
                continue
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if line.get("route") and isinstance(line.get("duration_ms"), int | float):
                found.setdefault(line["route"], []).append(float(line["duration_ms"]))
    return found


def run_journey(url, organizer, settings, report: Report, app_output: str) -> None:
    """Row 8: the purchase journey (8 clients and 1), its documents after the load, and the seed's app
    beside it when BENCH_PEER_DIR is set; row 9: the Lambda duration of each route at light load."""
    seconds = settings.journey_seconds
    say(f"8. purchase journey through the local runtime, {seconds:g} s per load")
    fixtures.use_database(url)
    event = journey.prepare_event(url, organizer, seats=2_000 if settings.quick else 20_000)
    try:
        runtime = http_bench.start_runtime(url)
    except http_bench.RuntimeUnavailable as exc:
        report.rows.append(
            Row("8. purchase journey", "not run", str(exc)[:60], "-", ">= 5x the seed's app", "not run")
        )
        return
    try:
        tokens = http_bench.sign_up_buyers(runtime.base_url, 32, "journey")
        eight = journey.run_journeys(runtime.base_url, tokens, event, 8, seconds)
        journey.wait_for_documents(url, eight)
        from ticketing.observability import logger

        offset = os.path.getsize(app_output)
        logger.setLevel("INFO")
        try:
            one = journey.run_journeys(runtime.base_url, tokens, event, 1, seconds)
        finally:
            logger.setLevel("WARNING")
        journey.wait_for_documents(url, one)
        durations = route_durations(app_output, offset)
    finally:
        runtime.stop()
        fixtures.use_database(url)
    for result in (eight, one):
        say(
            f"  {result.clients} client(s): {result.per_second:,.1f} journeys/s p50 {result.p50_ms:.0f} "
            f"p99 {result.p99_ms:.0f} ms, {result.failed} failed, {result.server_errors} 5xx, client CPU "
            f"{result.client_cpu_seconds / result.seconds:.2f} core, machine {result.machine_busy * 100:.0f}% busy; "
            f"documents of {len(result.paid_orders)} paid orders done "
            + (
                f"{result.documents_seconds:.1f} s after the load"
                if result.documents_seconds is not None
                else f"NOT done: {result.documents_missing} missing"
            )
        )
        say(f"    steps: {result.step_summary()}")
        if result.errors:
            say(f"    errors: {result.errors}")
        if result.server_errors:
            report.fail(
                f"purchase journey ({result.clients} clients): {result.server_errors} 5xx or connection errors"
            )
        if result.documents_missing:
            report.fail(
                f"purchase journey: {result.documents_missing} paid orders without all their documents"
            )
    scaling = eight.per_second / one.per_second if one.per_second else 0.0
    peer_folder = journey.peer_dir()
    peer = None
    if peer_folder is not None:
        say(f"  the seed's app beside it (peer_bench.py, {peer_folder.name})")
        try:
            peer = journey.run_peer(peer_folder, 8, seconds)
            say(
                f"  seed's app, 8 clients: {peer.per_second:,.1f} journeys/s p50 {peer.p50_ms:.0f} p99 {peer.p99_ms:.0f} ms, {peer.server_errors} 5xx"
            )
        except Exception as exc:  # the peer is not ours: its failure is a note, not a failure of this run
            report.notes.append(f"the seed's app did not run: {exc}")
    docs = (
        f"documents {eight.documents_seconds:.1f} s after"
        if eight.documents_seconds is not None
        else f"{eight.documents_missing} without documents"
    )
    figure = f"{eight.per_second:,.1f}/s p50 {eight.p50_ms:.0f} p99 {eight.p99_ms:.0f} ms, {eight.server_errors} 5xx; {docs}"
    if peer is not None:
        ratio = eight.per_second / peer.per_second if peer.per_second else 0.0
        p99_share = eight.p99_ms / peer.p99_ms if peer.p99_ms else 0.0
        reference = f"seed's app: {peer.per_second:,.1f}/s p50 {peer.p50_ms:.0f} p99 {peer.p99_ms:.0f} ms, {peer.server_errors} 5xx"
        ratio_text = f"{ratio:.1f}x; p99 {p99_share:.2f}; 8/1 {scaling:.1f}x"
        met = (
            f"{verdict(ratio, 5.0)}; p99 {verdict(p99_share, 0.2, at_least=False)}; "
            f"scaling {verdict(scaling, 2.5)}; {'0 5xx' if not eight.server_errors else '5xx'}"
        )
    else:
        reference = "seed's app: not run (set BENCH_PEER_DIR)"
        ratio_text = f"8/1 {scaling:.1f}x"
        met = f"scaling {verdict(scaling, 2.5)}; {'0 5xx' if not eight.server_errors else '5xx'}"
    report.rows.append(
        Row(
            "8. purchase journey (hold, add-on, read, card, read), 8 clients",
            figure,
            reference,
            ratio_text,
            ">= 5x, p99 <= 0.2x, 8/1 >= 2.5x, 0 5xx",
            met,
        )
    )
    report.rows.append(
        Row(
            "   same journey, 1 client",
            f"{one.per_second:,.1f}/s p50 {one.p50_ms:.0f} p99 {one.p99_ms:.0f} ms",
            "-",
            "-",
            "-",
            "-",
        )
    )
    for route_key, values in sorted(durations.items()):
        values.sort()
        report.rows.append(
            Row(
                f"9. Lambda duration {route_key}",
                f"p50 {percentile(values, 0.50):.1f} p99 {percentile(values, 0.99):.1f} ms ({len(values)} calls)",
                "access log duration_ms, 1 journey client",
                "-",
                "- (figure only)",
                "-",
            )
        )


def record_rush(report: Report, rush, transport: str, settings) -> None:
    report.load(f"on-sale rush ({transport})", rush.load)
    report.notes.append(
        f"rush: {rush.buyers} buyers ({settings.rush_connections} at once, {settings.rush_accounts} accounts), {rush.buyers_served} got a hold; "
        f"general: {rush.general_check.describe()}; seats held {rush.seats_held}/{settings.rush_seats}, "
        f"seats in two orders {rush.seats_in_two_orders}; answers {dict(rush.load.outcomes)}; problems {rush.problems}"
    )
    say(f"  {report.notes[-1]}")
    if rush.oversold:
        report.fail(f"on-sale rush oversold: {report.notes[-1]}")
    if rush.server_errors:
        report.fail(f"on-sale rush: {rush.server_errors} 5xx or connection errors")
    report.rows.append(
        Row(
            f"6. on-sale rush, {rush.buyers} buyers on {settings.rush_general_places} GA + {settings.rush_seats} seats ({transport})",
            f"{rush.load.per_second:,.0f} req/s p50 {rush.load.p50_ms:.1f} p99 {rush.load.p99_ms:.1f} ms",
            f"{rush.general_check.held_or_sold} GA + {rush.seats_held} seats held",
            "-",
            "0 oversold, 0 5xx",
            f"{'yes' if not rush.oversold else 'OVERSOLD'}; {rush.server_errors} 5xx",
        )
    )


def run_waiting_room(base_url: str, url: str, organizer, tokens: list[str], settings, report: Report) -> None:
    say(f"10. waiting room: joins and position polls through HTTP ({settings.queue_events} queued events)")
    fixtures.use_database(url)
    queue = waiting_room.http_joins_and_polls(
        base_url, url, organizer, tokens, settings.queue_events, settings.seconds
    )
    report.load("queue joins (HTTP)", queue.joins)
    report.load("position polls (HTTP)", queue.polls)
    errors = sum(n for status, n in (queue.joins.outcomes + queue.polls.outcomes).items() if status >= "500")
    if errors:
        report.fail(
            f"waiting room through HTTP: {errors} 5xx {dict(queue.joins.outcomes)} {dict(queue.polls.outcomes)}"
        )
    if queue.queries_per_poll or queue.database_busy_per_poll >= 0.5:
        report.fail(
            f"position polls caused {queue.pg_transactions_during_polls} PostgreSQL transactions and took "
            f"{queue.connections_during_polls} connections"
        )
    report.rows.append(
        Row(
            f"10. waiting room through HTTP, {len(tokens)} conns: joins; position polls",
            f"joins {tps(queue.joins)}; polls {tps(queue.polls)}",
            f"during {queue.polls.count:,} polls: {queue.pg_transactions_during_polls} PostgreSQL transactions, "
            f"{queue.connections_during_polls} connections taken",
            f"{queue.queries_per_poll:.2f} queries/poll ({queue.database_busy_per_poll:.2f} database transactions/poll)",
            "0 queries per poll, 0 5xx",
            "yes"
            if not queue.queries_per_poll and queue.database_busy_per_poll < 0.5 and not errors
            else "NO",
        )
    )
    run_simulated_on_sale(url, organizer, settings, report)


def run_simulated_on_sale(url: str, organizer, settings, report: Report) -> None:
    say(
        f"11. simulated on-sale: {settings.onsale_buyers:,} join in the first minute for {settings.onsale_places:,} "
        f"places at {settings.onsale_rate:,}/min (queue rules on a simulated clock, holds on PostgreSQL)"
    )
    sale = waiting_room.simulated_on_sale(
        url, organizer, settings.onsale_buyers, settings.onsale_places, settings.onsale_rate
    )
    low, high = sale.window_spread()
    report.notes.append(
        f"on-sale: {sale.buyers:,} buyers ({sale.early:,} before opens_at), {sale.admitted:,} admitted, "
        f"{sale.holds:,} holds for {sale.places_held:,} places, {sale.sold_out_answers} sold-out answers, "
        f"other refusals {dict(sale.other_answers)}; admitted per 10 s {sale.per_window} (target "
        f"{sale.target_per_window:,.0f}); sold out {sale.sell_out_seconds} s after opens_at (simulated); "
        f"holds took {sale.hold_seconds:.1f} s of real time"
    )
    say(f"  {report.notes[-1]}")
    if sale.inversions or sale.oversold:
        report.fail(f"simulated on-sale: {sale.inversions} inversions, {sale.oversold} oversold")
    within = low >= 0.98 and high <= 1.02
    report.rows.append(
        Row(
            f"11. simulated on-sale, {sale.buyers:,} joins in 1 min, {sale.places:,} places, {sale.rate:,}/min",
            f"sold out at {sale.sell_out_seconds or 0:.0f} s; admitted per 10 s {low:.3f}-{high:.3f} of target",
            f"target {sale.target_per_window:,.0f} per 10 s",
            f"{sale.inversions} inversions",
            "0 inversions, +-2 %, 0 oversold",
            f"{'yes' if not sale.inversions else 'NO'}; {'yes' if within else 'NO'}; "
            f"{'not oversold' if not sale.oversold else 'OVERSOLD'}",
        )
    )


def run_rush_in_process(report: Report) -> None:
    report.notes.append("on-sale rush skipped with the HTTP runtime (in-process fallback not run)")


if __name__ == "__main__":
    sys.exit(main())
