"""Latency percentiles, CPU accounting and a fixed-duration load of worker threads."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of an already sorted list (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, int(-(-share * len(sorted_values) // 1)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def machine_cpu_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all cores since boot, from /proc/stat (zeros elsewhere)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    return total - idle, total


class CpuMeter:
    """CPU used by this process, by finished child processes, and how busy the whole machine was."""

    def __enter__(self) -> CpuMeter:
        self._wall = time.perf_counter()
        self._process = time.process_time()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._children = children.ru_utime + children.ru_stime
        self._machine = machine_cpu_ticks()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.wall_seconds = time.perf_counter() - self._wall
        self.process_seconds = time.process_time() - self._process
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.children_seconds = children.ru_utime + children.ru_stime - self._children
        busy, total = machine_cpu_ticks()
        spent = total - self._machine[1]
        self.machine_busy = (busy - self._machine[0]) / spent if spent > 0 else 0.0


def run_measured(
    command: list[str],
    what: str,
    timeout: float,
    cwd: Path | str,
    input_text: str | None = None,
    **options: Any,
) -> tuple[str, CpuMeter]:
    """The standard output of a child process (a load client, pgbench) and the CPU it cost; raises naming
    `what` with the end of its error output when it fails. `options` go to subprocess.run (env)."""
    with CpuMeter() as cpu:
        done = subprocess.run(  # noqa: S603 - our own clients and pgbench, no shell
            command,
            input=input_text,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
            check=False,
            **options,
        )
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed: {(done.stderr.strip() or done.stdout.strip())[-800:]}")
    return done.stdout, cpu


def run_json_client(module: str, job: dict, timeout: float, cwd: Path | str) -> tuple[dict, CpuMeter]:
    """A load client of bench/ (`python -m module`) in a process of its own: the job as JSON on its standard
    input, its answer as JSON on its standard output; its CPU is the child's."""
    out, cpu = run_measured(
        [sys.executable, "-m", module], f"the client {module}", timeout, cwd, input_text=json.dumps(job)
    )
    return json.loads(out), cpu


@dataclass
class LoadResult:
    """What one load produced: operations, latencies (ms), outcomes, and the CPU it cost."""

    name: str
    seconds: float
    latencies_ms: list[float]
    outcomes: Counter = field(default_factory=Counter)
    client_cpu_seconds: float = 0.0
    machine_busy: float = 0.0
    client: str = ""
    note: str = ""
    count_override: int | None = None
    p50_override: float | None = None
    p99_override: float | None = None

    def __post_init__(self) -> None:
        self.latencies_ms.sort()

    @classmethod
    def from_client(cls, name: str, answer: dict, cpu: CpuMeter, client: str) -> LoadResult:
        """A load a client of bench/ measured (run_json_client): its latencies and statuses."""
        result = cls(
            name=name,
            seconds=answer["seconds"],
            latencies_ms=answer["latencies_ms"],
            client_cpu_seconds=answer["cpu_seconds"],
            machine_busy=cpu.machine_busy,
            client=client,
        )
        result.outcomes.update(answer["statuses"])
        return result

    @property
    def count(self) -> int:
        return self.count_override if self.count_override is not None else len(self.latencies_ms)

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0

    @property
    def p50_ms(self) -> float:
        return self.p50_override if self.p50_override is not None else percentile(self.latencies_ms, 0.50)

    @property
    def p99_ms(self) -> float:
        return self.p99_override if self.p99_override is not None else percentile(self.latencies_ms, 0.99)

    @property
    def client_cpu_cores(self) -> float:
        return self.client_cpu_seconds / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        text = (
            f"{self.per_second:,.0f}/s, p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, "
            f"{self.count:,} in {self.seconds:.1f} s"
        )
        if self.client:
            text += f"; client {self.client} CPU {self.client_cpu_cores:.2f} core"
        text += f"; machine {self.machine_busy * 100:.0f}% busy ({os.cpu_count()} CPU)"
        return text


def run_threads(
    name: str,
    workers: int,
    seconds: float,
    operation: Callable[[int], str],
    warmup_operations: int = 3,
) -> LoadResult:
    """Run `operation(worker_number)` in a loop on `workers` threads for `seconds` after a short warm-up.

    The operation returns an outcome label ("ok", "sold-out", ...); an exception is counted by its class
    name and ends nothing. Only operations that start before the deadline are timed."""
    barrier = threading.Barrier(workers + 1)
    deadline = [0.0]
    latencies: list[list[float]] = [[] for _ in range(workers)]
    outcomes: list[Counter] = [Counter() for _ in range(workers)]
    ok_latencies: list[list[float]] = [[] for _ in range(workers)]

    def worker(number: int) -> None:
        for _ in range(warmup_operations):
            with contextlib.suppress(Exception):  # warm-up failures show up in the timed part
                operation(number)
        barrier.wait()
        mine, good, counts = latencies[number], ok_latencies[number], outcomes[number]
        clock = time.perf_counter
        while True:
            started = clock()
            if started >= deadline[0]:
                return
            try:
                outcome = operation(number)
            except Exception as exc:
                outcome = type(exc).__name__
            elapsed = (clock() - started) * 1000.0
            mine.append(elapsed)
            counts[outcome] += 1
            if outcome == "ok":
                good.append(elapsed)

    threads = [
        threading.Thread(target=worker, args=(n,), name=f"bench-{n}", daemon=True) for n in range(workers)
    ]
    for thread in threads:
        thread.start()
    with CpuMeter() as cpu:
        deadline[0] = time.perf_counter() + seconds
        barrier.wait()
        for thread in threads:
            thread.join(seconds + 60)
    total = Counter()
    for counts in outcomes:
        total.update(counts)
    return LoadResult(
        name=name,
        seconds=cpu.wall_seconds,
        latencies_ms=[v for part in ok_latencies for v in part],
        outcomes=total,
        client_cpu_seconds=cpu.process_seconds,
        machine_busy=cpu.machine_busy,
        client="in-process threads (service + client)",
    )
