"""Scheduled: release holds whose deadline passed, in batches (safe to run several at once)."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.observability import job_handler, logger, time_budget
from ticketing.services import orders


@job_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    budget = time_budget(context)
    released = orders.release_expired_holds(time_budget_seconds=budget)
    logger.info("released expired holds", extra={"released": released})
    return {"released": released}
