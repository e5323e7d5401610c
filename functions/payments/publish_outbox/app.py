"""Scheduled: publish outbox messages that were not sent right after their commit (SNS or SES was down)."""

from ticketing.observability import batch_job
from ticketing.services import outbox

lambda_handler = batch_job(outbox.drain, "outbox published")
