"""The outbox publisher: messages written in the transaction that decided them are sent afterwards.

'paid-order' rows go to the paid-orders SNS topic, 'email' rows through SES, 'pix-devolution' rows to the PIX
provider (services/devolutions.py). A row is marked sent only
after the send succeeded; a failure leaves it unsent (attempts + 1, last_error) for the next run, so a
moment without SNS loses nothing. Downstream tolerates the rare duplicate (a crash between send and mark).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from ticketing import aws, db
from ticketing.batches import batch_after_batch
from ticketing.config import settings
from ticketing.db import payments as sql
from ticketing.payments_provider import ProviderUnavailable
from ticketing.services import devolutions

log = logging.getLogger("ticketing.outbox")

_verified_senders: set[tuple[str, str]] = set()  # (sender, endpoint): a new moto has forgotten them
_verify_lock = threading.Lock()

METHOD_NAMES = {"pix": "PIX", "boleto": "boleto", "card": "cartão"}
REFUND_REASONS = {
    "places-taken": "os lugares do seu pedido já tinham sido vendidos quando o pagamento chegou",
    "already-paid": "o pedido já tinha sido pago por outro pagamento",
    "order-cancelled": "o pedido tinha sido cancelado",
    "event-cancelled": "o evento foi cancelado pelo organizador",
    "not-latest-payment": "o pedido estava aguardando outro pagamento, mais recente",
    "amount-mismatch": "o valor pago não era o total atual do pedido",
}


# Right after a payment's commit the buyer (or the provider) is waiting: one short try, no retries.
# The scheduled publisher uses the shared clients, with their retries and longer timeouts.
_QUICK = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=1, read_timeout=2)
_quick_clients: dict[tuple[str, str], Any] = {}
_local = threading.local()


def client(service: str) -> Any:
    """The client for this run of the publisher: quick after a commit, the shared one otherwise."""
    if not getattr(_local, "quick", False):
        return aws.client(service)
    key = (service, os.environ.get("AWS_ENDPOINT_URL", ""))
    found = _quick_clients.get(key)
    if found is None:
        found = _quick_clients.setdefault(key, boto3.session.Session().client(service, config=_QUICK))
    return found


def _reais(cents: int) -> str:
    """R$ 1.234,56"""
    return "R$ " + f"{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d}"


def refund_due_email(payload: dict) -> tuple[str, str]:
    """Subject and text of the e-mail telling a buyer that a late payment will be refunded."""
    reason = REFUND_REASONS.get(payload.get("reason", ""), "o pedido não estava mais disponível")
    subject = f"Seu pagamento para {payload['event_name']} será devolvido"
    body = (
        f"Olá, {payload.get('name') or 'cliente'}.\n\n"
        f"Recebemos o pagamento por {METHOD_NAMES.get(payload.get('method', ''), 'pagamento')} de "
        f"{_reais(int(payload['amount_cents']))} do pedido {payload['order_id']}, mas {reason}.\n"
        "O valor será devolvido integralmente; você não precisa fazer nada.\n\n"
        f"Referência do pagamento: {payload['payment_id']}\n"
    )
    return subject, body


def storefront_url() -> str:
    """Where buyers open the storefront: STOREFRONT_URL, else the API's own address (locally the local
    runtime serves the storefront at the API's root)."""
    base = os.environ.get("STOREFRONT_URL") or os.environ.get("PUBLIC_API_URL") or ""
    if not os.environ.get("STOREFRONT_URL") and (settings().stage == "local" or not base):
        base = f"http://127.0.0.1:{os.environ.get('PORT', '3000')}"
    return base.rstrip("/")


def waitlist_offer_email(payload: dict) -> tuple[str, str]:
    """Subject and text of the e-mail offering a waiting-list buyer the places that came back."""
    seats = payload.get("seat_labels") or []
    places = f"{payload['quantity']} lugar(es)" + (f" ({', '.join(seats)})" if seats else "")
    subject = f"Chegou sua vez na lista de espera de {payload['event_name']}"
    body = (
        f"Olá, {payload.get('name') or 'cliente'}.\n\n"
        f"Vagaram {places} no setor {payload['sector_name']} de {payload['event_name']}, e eles estão "
        f"reservados para você no pedido {payload['order_id']}, de {_reais(int(payload['total_cents']))}.\n"
        f"Pague até {payload['expires_at']} (UTC); depois disso os lugares passam para a próxima pessoa da "
        "lista.\n\n"
        f"Pagar agora: {storefront_url()}/#/pedido/{payload['order_id']}\n"
    )
    return subject, body


def _publish_paid_order(payload: dict) -> None:
    topic = settings().paid_orders_topic_arn
    if not topic:
        raise RuntimeError("PAID_ORDERS_TOPIC_ARN is not set")
    client("sns").publish(
        TopicArn=topic,
        Message=json.dumps(payload, sort_keys=True),
        MessageAttributes={
            "type": {"DataType": "String", "StringValue": str(payload.get("type", "order.paid"))}
        },
    )


def _verify_sender_locally(sender: str) -> None:
    # moto refuses to send from an unverified identity; in AWS the identity is verified once, by hand.
    key = (sender, os.environ.get("AWS_ENDPOINT_URL", ""))
    if settings().stage != "local" or key in _verified_senders:
        return
    with _verify_lock:
        if key not in _verified_senders:
            client("ses").verify_email_identity(EmailAddress=sender)
            _verified_senders.add(key)


def send_email(payload: dict) -> None:
    """Send one e-mail through SES now: {to, subject, text}, or {to, template, ...} for a known template."""
    sender = settings().mail_sender
    _verify_sender_locally(sender)
    if payload.get("template") == "payment-refund-due":
        subject, text = refund_due_email(payload)
    elif payload.get("template") == "waitlist-offer":
        subject, text = waitlist_offer_email(payload)
    else:
        subject, text = str(payload["subject"]), str(payload["text"])
    client("ses").send_email(
        Source=sender,
        Destination={"ToAddresses": [payload["to"]]},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
        },
    )


SENDERS = {"paid-order": _publish_paid_order, "email": send_email, "pix-devolution": devolutions.send}


class Unreachable(Exception):
    """The service did not answer: the rest of the run skips it instead of waiting on every row."""


def _send(row: dict[str, Any]) -> str | None:
    """Send one row; returns None when sent, else the error text to keep."""
    try:
        SENDERS[row["kind"]](row["payload"])
    except (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ProviderUnavailable) as exc:
        raise Unreachable(f"{type(exc).__name__}: {exc}"[:1000]) from exc
    except Exception as exc:  # any other failure keeps the row for the next run
        return f"{type(exc).__name__}: {exc}"[:1000]
    return None


def publish_pending(
    limit: int = 100, aggregate_ids: list[str] | None = None, quick: bool = False
) -> dict[str, int]:
    """Send up to `limit` unsent outbox messages (only those of `aggregate_ids` when given) and mark each
    sent or failed; returns the counts. `quick`: one short try per message (a request is waiting).

    Never raises: it runs right after a payment's commit, whose answer must not depend on SNS or SES."""
    sent = failed = 0
    unreachable: set[str] = set()
    _local.quick = quick
    try:
        with db.connection() as conn, conn.transaction():
            rows = conn.execute(
                sql.take_unsent_messages, {"limit": limit, "aggregate_ids": aggregate_ids}
            ).fetchall()
            for row in rows:
                if row["kind"] in unreachable:
                    continue
                try:
                    error = _send(row)
                except Unreachable as exc:
                    unreachable.add(row["kind"])
                    error = str(exc)
                if error is None:
                    conn.execute(sql.mark_message_sent, (row["id"],))
                    sent += 1
                else:
                    conn.execute(sql.mark_message_failed, (error, row["id"]))
                    failed += 1
                    log.warning(
                        "outbox message not sent",
                        extra={"outbox_id": row["id"], "kind": row["kind"], "error": error},
                    )
    except Exception:
        log.exception("outbox publishing failed; the scheduled publisher retries")
    finally:
        _local.quick = False
    return {"sent": sent, "failed": failed}


_background: list[Any] = []  # one worker thread, made on first use


def publish_after_commit(aggregate_ids: list[str]) -> None:
    """What a decision just queued, sent now: in the request (one quick try) in AWS; locally, with
    OUTBOX_PUBLISH_IN_BACKGROUND=true (the benchmark's local runtime sets it), by one worker thread of this process, so
    the buyer's answer does not wait on the local stand-in for SNS (moto's publish to an SQS subscription
    scans the queue's messages). The same publish_pending either way; the scheduled publisher still
    sends whatever a failure left behind."""
    if os.environ.get("OUTBOX_PUBLISH_IN_BACKGROUND", "").lower() != "true":
        publish_pending(aggregate_ids=aggregate_ids, quick=True)
        return
    with _verify_lock:
        if not _background:
            from concurrent.futures import ThreadPoolExecutor

            _background.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox"))
    _background[0].submit(publish_pending, aggregate_ids=aggregate_ids, quick=True)


def drain(batch_size: int = 500, time_budget_seconds: float = 50.0) -> dict[str, int]:
    """The scheduled publisher: batch after batch until the outbox is empty, a batch sends nothing, or time
    runs out. One batch a run would take minutes to send a backlog (2,000 e-mails of a cancelled event),
    and a message retried after a failure would wait behind all of it. Failing rows sink (fewest attempts
    first), so a batch of nothing but failures ends the run; the next run tries them again."""

    def take_batch() -> tuple[dict[str, int], bool]:
        counts = publish_pending(limit=batch_size)
        # A short batch: nothing more is due (or a service is unreachable and its rows were skipped).
        full = counts["sent"] > 0 and counts["sent"] + counts["failed"] >= batch_size
        return {"sent": counts["sent"], "failed": counts["failed"]}, full

    counts = {"sent": 0, "failed": 0, **batch_after_batch(take_batch, time_budget_seconds)}
    try:
        # Devolutions the provider took but never notified (a lost webhook) are read back here.
        counts.update(devolutions.read_stale())
    except Exception:
        log.exception("reading devolutions in progress failed; the next run tries again")
    return counts
