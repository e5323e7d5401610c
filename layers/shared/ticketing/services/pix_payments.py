"""The API Pix webhook (issue 20): `POST /payments/pix/webhook/pix` with the standard `{"pix": [...]}` batch.

The signature is checked over the raw bytes first (401); the whole batch is applied in one transaction by
receive_pix (each endToEndId once, the same settlement rules as `POST /payments/webhook`) before the answer;
then what it queued (paid orders, e-mails, devolution requests) is published, as after any payment decision."""

from __future__ import annotations

import json

from ticketing import db
from ticketing.api.payments import PixWebhookIn
from ticketing.db import payments as sql
from ticketing.metrics import emit
from ticketing.services import devolutions, outbox
from ticketing.services.payments import signed_notice
from ticketing.webhook import pix_webhook_secret


def receive(notice: PixWebhookIn) -> dict:
    """Apply a batch of PIX; returns {results: [{endToEndId, outcome}]}."""
    items = [item.model_dump(mode="json", exclude_none=True) for item in notice.pix]
    result = db.call_json(sql.receive_pix, (json.dumps(items),))
    for outcome in result["results"]:
        emit("Payments", method="pix-webhook", outcome=outcome["outcome"])
    for devolution in result["devolutions"]:
        devolutions.announce(devolution["status"])
    if result["aggregates"]:
        outbox.publish_after_commit(sorted(set(result["aggregates"])))
    return {"results": [{k: v for k, v in r.items() if k != "payment_id"} for r in result["results"]]}


def handle_webhook(raw_body: bytes, signature: str | None) -> dict:
    """POST /payments/pix/webhook/pix: 401 without a valid X-Signature, 400/422 for a body that is not a notice."""
    return receive(signed_notice(raw_body, signature, pix_webhook_secret(), PixWebhookIn))
