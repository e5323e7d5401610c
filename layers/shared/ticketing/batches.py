"""The loop of the time-budgeted batch jobs (expiry of holds, refunds of cancelled events, the outbox).

A job takes a batch, adds up what it did, and takes another while the last batch was full and time is left:
one batch a run would leave a backlog for minutes, and a run must end before its Lambda timeout."""

from __future__ import annotations

import time
from collections.abc import Callable


def batch_after_batch(
    take_batch: Callable[[], tuple[dict[str, int], bool]], time_budget_seconds: float
) -> dict[str, int]:
    """Call `take_batch` until it says there is nothing more (its second value) or the time is up.

    Each call returns (what the batch did, whether another batch may find more); the totals are returned."""
    totals: dict[str, int] = {}
    deadline = time.monotonic() + time_budget_seconds
    while time.monotonic() < deadline:
        counts, more = take_batch()
        for name, count in counts.items():
            totals[name] = totals.get(name, 0) + count
        if not more:
            break
    return totals
