"""The session-end check finds a process the run started and left running, even once it is orphaned."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from leftovers import RUN_MARKER, left_over, processes_of_run


def test_a_marked_process_is_found_until_it_stops():
    marker = uuid.uuid4().hex
    child = subprocess.Popen(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", "import time; time.sleep(60)"],
        env={**os.environ, RUN_MARKER: marker},
        start_new_session=True,
    )
    try:
        assert [pid for pid, _ in processes_of_run(marker)] == [child.pid]
        assert processes_of_run(uuid.uuid4().hex) == []
    finally:
        child.terminate()
        child.wait(10)
    assert left_over(marker, grace_seconds=1) == []
