"""Cold start: a fresh interpreter importing and initialising one function module, against a fresh
interpreter importing only boto3, psycopg and pydantic (the floor any function pays)."""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.database import PROJECT_ROOT

FUNCTION_SOURCE = PROJECT_ROOT / "functions" / "orders" / "create_order" / "app.py"

# Both programs time their own imports; the wall time of the whole process is taken from outside.
_LOAD_FUNCTION = """
import importlib.util, json, sys, time
started = time.perf_counter()
spec = importlib.util.spec_from_file_location("create_order_app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
assert callable(module.lambda_handler)
print(json.dumps({"import_seconds": time.perf_counter() - started}))
"""

_BARE_IMPORTS = """
import json, time
started = time.perf_counter()
import boto3, psycopg, pydantic
print(json.dumps({"import_seconds": time.perf_counter() - started}))
"""


@dataclass
class ColdStart:
    function_import_ms: float
    function_process_ms: float
    bare_import_ms: float
    bare_process_ms: float
    samples: int
    function: str

    @property
    def import_ratio(self) -> float:
        return self.function_import_ms / self.bare_import_ms if self.bare_import_ms else 0.0


def _sample(program: str, *args: str) -> tuple[float, float]:
    env = dict(os.environ)
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    env["POWERTOOLS_TRACE_DISABLED"] = "true"
    env["PYTHONPATH"] = os.pathsep.join(
        [str(PROJECT_ROOT / "layers" / "shared"), env.get("PYTHONPATH", "")]
    ).rstrip(os.pathsep)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", program, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=PROJECT_ROOT,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"cold start sample failed: {done.stderr.strip()[-500:]}")
    imported = json.loads(done.stdout.strip().splitlines()[-1])["import_seconds"]
    return imported * 1000.0, wall * 1000.0


def _compile_like_the_layer() -> None:
    """The built layer ships the ticketing package's bytecode (layers/shared/Makefile), as the installed
    packages of the bare imports have theirs: compile the package and the function here too, so neither side
    pays for compiling source (PYTHONDONTWRITEBYTECODE, set on some machines, would leave them uncompiled)."""
    compileall.compile_dir(str(PROJECT_ROOT / "layers" / "shared" / "ticketing"), quiet=1)
    compileall.compile_file(str(FUNCTION_SOURCE), quiet=1)


def measure_cold_start(samples: int) -> ColdStart:
    function_runs, bare_runs = [], []
    _compile_like_the_layer()
    _sample(_BARE_IMPORTS)  # fill the OS file cache for both, untimed
    _sample(_LOAD_FUNCTION, str(FUNCTION_SOURCE))
    for _ in range(samples):  # interleaved, so drift hits both alike
        bare_runs.append(_sample(_BARE_IMPORTS))
        function_runs.append(_sample(_LOAD_FUNCTION, str(FUNCTION_SOURCE)))
    return ColdStart(
        function_import_ms=statistics.median(r[0] for r in function_runs),
        function_process_ms=statistics.median(r[1] for r in function_runs),
        bare_import_ms=statistics.median(r[0] for r in bare_runs),
        bare_process_ms=statistics.median(r[1] for r in bare_runs),
        samples=samples,
        function=str(Path(FUNCTION_SOURCE).relative_to(PROJECT_ROOT)),
    )
