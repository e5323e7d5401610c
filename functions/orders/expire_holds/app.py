"""Scheduled: release holds whose deadline passed, in batches (safe to run several at once)."""

from ticketing.observability import batch_job
from ticketing.services import orders


def release_expired_holds(time_budget_seconds: float) -> dict[str, int]:
    return {"released": orders.release_expired_holds(time_budget_seconds=time_budget_seconds)}


lambda_handler = batch_job(release_expired_holds, "released expired holds")
