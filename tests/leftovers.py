"""What a test run leaves behind: processes started by the run that are still alive at its end.

Every process the run starts inherits RUN_MARKER in its environment (os.environ is copied into every
child, PostgreSQL's postmaster included), so the run's own processes can be told apart from those of
other runs on the same machine, even once they are orphaned and adopted by init.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

RUN_MARKER = "TICKETING_TEST_RUN"


def processes_of_run(marker_value: str) -> list[tuple[int, str]]:
    """(pid, command line) of every live process, other than this one, whose environment carries the marker."""
    needle = f"{RUN_MARKER}={marker_value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environment = (entry / "environ").read_bytes()
            if needle not in environment.split(b"\0"):
                continue
            if (entry / "stat").read_text().split(") ", 1)[1].startswith("Z"):
                continue  # a zombie: already exited, waiting for its parent to read its status
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, IndexError):
            continue  # gone meanwhile, or not ours to read
        found.append((int(entry.name), command))
    return found


def left_over(marker_value: str, grace_seconds: float = 5.0) -> list[tuple[int, str]]:
    """The run's processes still alive after a grace period (servers being stopped take a moment)."""
    deadline = time.monotonic() + grace_seconds
    while True:
        alive = [(pid, cmd) for pid, cmd in processes_of_run(marker_value) if pid != os.getppid()]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.2)


def stop_postgres_servers_under(folder: Path, timeout: float = 15.0) -> list[int]:
    """Fast-shutdown every PostgreSQL whose data folder lies under `folder` (from its postmaster.pid)."""
    stopped = []
    for pid_file in folder.rglob("postmaster.pid"):
        try:
            pid = int(pid_file.read_text().split("\n", 1)[0])
            os.kill(pid, signal.SIGINT)  # PostgreSQL's fast shutdown
        except (OSError, ValueError):
            continue
        stopped.append(pid)
    deadline = time.monotonic() + timeout
    for pid in stopped:
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.1)
    return stopped
