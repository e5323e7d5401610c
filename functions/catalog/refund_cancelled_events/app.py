"""Scheduled: refund the paid orders and release the holds of cancelled events, in batches."""

from ticketing.observability import batch_job
from ticketing.services import cancellations

lambda_handler = batch_job(cancellations.refund_cancelled_events, "cancelled events processed")
