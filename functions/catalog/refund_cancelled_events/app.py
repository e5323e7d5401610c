"""Scheduled: refund the paid orders and release the holds of cancelled events, in batches."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.observability import job_handler, logger, time_budget
from ticketing.services import cancellations


@job_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    budget = time_budget(context)
    done = cancellations.refund_cancelled_events(time_budget_seconds=budget)
    logger.info("cancelled events processed", extra=done)
    return done
