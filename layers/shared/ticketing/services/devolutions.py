"""Devolutions: PIX money going back to its payer through the provider (API Pix `PUT /pix/{e2eid}/devolucao/{id}`).

A devolution is decided in SQL (request_pix_devolution) with an id derived from what it refunds, and its request
travels through the outbox: sent right after the commit, retried by the scheduled publisher while the provider
is unreachable. Asking the provider again with the same id returns the same devolution, so a retry after a
crash between the request and its bookkeeping never pays twice. The provider's final word (DEVOLVIDO or
NAO_REALIZADO) arrives by webhook, in the answer, or by reading devolutions left in progress too long.
"""

from __future__ import annotations

import logging

from ticketing import db, payments_provider
from ticketing.db import payments as sql
from ticketing.metrics import emit

log = logging.getLogger("ticketing.devolutions")

STALE_SECONDS = 600  # a devolution in progress this long without a notice is read back from the provider


def record_final_status(devolution_id: str, status: str, rtr_id: str | None) -> str | None:
    """Apply what the provider says of a devolution; returns the final status reached now (else None)."""
    row = db.fetch_one(sql.apply_pix_devolution_status, (devolution_id, status, rtr_id))
    reached = row["result"] if row else None
    announce(reached)
    return reached


def announce(reached: str | None) -> None:
    """A NAO_REALIZADO is money we still owe: a metric the template alarms on."""
    if reached == "NAO_REALIZADO":
        emit("PixDevolutionsNotRealized")
        log.error("a devolution was not realised: the buyer's money is still here")


def send(payload: dict) -> None:
    """The outbox sender of a 'pix-devolution' message: request it (idempotent by id) and record the answer.

    Raises ProviderUnavailable (the outbox keeps the row and skips the rest of the kind this run) or
    ProviderRefused (kept for the next run, with the error)."""
    devolution_id = str(payload["devolution_id"])
    try:
        answer = payments_provider.provider().request_devolution(
            str(payload["e2eid"]),
            devolution_id,
            int(payload["valor_cents"]),
            str(payload.get("reason") or ""),
        )
    except (payments_provider.ProviderUnavailable, payments_provider.ProviderRefused) as exc:
        if isinstance(exc, payments_provider.ProviderUnavailable):
            emit("PixProviderFailures", operation="request_devolution")
        db.fetch_one(sql.mark_devolution_attempt, (str(exc)[:1000], devolution_id))
        raise
    record_final_status(devolution_id, answer.status, answer.rtr_id)


def read_stale(limit: int = 100, age_seconds: int = STALE_SECONDS) -> dict[str, int]:
    """Devolutions the provider took but never notified as final: read each back (a lost webhook)."""
    finished = 0
    for row in db.fetch_all(sql.stale_devolutions, {"age": age_seconds, "limit": limit}):
        try:
            answer = payments_provider.provider().get_devolution(row["e2eid"], row["id"])
        except payments_provider.ProviderUnavailable:
            emit("PixProviderFailures", operation="get_devolution")
            break
        except payments_provider.ProviderRefused as exc:
            log.warning("devolution could not be read", extra={"devolution_id": row["id"], "error": str(exc)})
            continue
        if record_final_status(row["id"], answer.status, answer.rtr_id):
            finished += 1
    return {"devolutions_read": finished}
