"""Scheduled: publish outbox messages that were not sent right after their commit (SNS or SES was down)."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.observability import job_handler, logger, time_budget
from ticketing.services import outbox


@job_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    budget = time_budget(context)
    counts = outbox.drain(time_budget_seconds=budget)
    logger.info("outbox published", extra=counts)
    return counts
