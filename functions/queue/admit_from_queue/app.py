"""Scheduled: admit whoever is due in every enabled waiting room, and report each queue's age and lag."""

from ticketing.observability import batch_job
from ticketing.services import waiting_room


def admit_from_queues(time_budget_seconds: float) -> dict[str, int]:
    return waiting_room.tick_enabled_queues(time_budget_seconds)


lambda_handler = batch_job(admit_from_queues, "admitted from waiting rooms")
