"""PaidOrdersQueue consumer: each paid order gets its invoice, e-tickets, PDFs and e-mail (once).

SQS batches with partial failures: a bad message is reported alone and retried, then lands in the DLQ;
the others of its batch are done. Every few minutes the same function runs a repair sweep that finishes
documents an interrupted run left (see services/invoices.py)."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.api.after_payment import PaidOrderMessage
from ticketing.observability import job_handler, logger
from ticketing.services import invoices


def paid_order_message(body: str) -> PaidOrderMessage:
    """The paid-order message inside an SQS body: an SNS envelope (raw delivery is accepted too)."""
    document = json.loads(body)
    if isinstance(document, dict) and document.get("Type") == "Notification" and "Message" in document:
        document = json.loads(document["Message"])
    return PaidOrderMessage.model_validate(document)


def record_handler(record: SQSRecord) -> dict:
    message = paid_order_message(record.body)
    done = invoices.process_paid_order(str(message.order_id))
    logger.info("order invoiced", extra=done)
    return done


@job_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    if "Records" not in event:
        counts = invoices.complete_pending_documents()
        logger.info("invoice repair sweep", extra=counts)
        return counts
    # A processor per invocation: it holds the batch's state (the local runtime invokes from many threads).
    # Failed records are always reported, never raised, so a lone poison message is retried like any other.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
