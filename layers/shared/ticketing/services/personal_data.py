"""The buyer's rights over their data (LGPD art. 18): a copy of everything kept about them (GET
/users/me/export, art. 18 II and art. 19: JSON, a reusable format), and the deletion of their account (DELETE
/users/me, art. 18 IV and VI) with what fiscal law makes us keep set apart until its retain_until, which the
scheduled purge removes once passed (art. 16 I allows keeping it until then)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from ticketing import db, documents
from ticketing.auth import Caller
from ticketing.aws import client
from ticketing.batches import batch_after_batch
from ticketing.config import settings
from ticketing.db import invoices as invoices_sql
from ticketing.db import personal_data as sql
from ticketing.db import tickets as tickets_sql
from ticketing.errors import InvalidState, NotFound
from ticketing.metrics import emit
from ticketing.services.tickets import held_ticket_fields
from ticketing.times import utc_text

log = logging.getLogger("ticketing.personal_data")

# The fiscal calendar is Brazil's: a retain_until date passes at midnight in Brasília.
FISCAL_ZONE = ZoneInfo("America/Sao_Paulo")


def export(caller: Caller) -> dict[str, Any]:
    """GET /users/me/export: {profile, orders, payments, tickets, invoices, checkins, emails}."""
    with db.connection() as conn:
        me = conn.execute(sql.profile, (caller.sub,)).fetchone()
        if me is None:
            raise NotFound("This account has no profile")
        params = {"user_id": me["id"], "email": me["email"], "sub": caller.sub}
        orders = [row["doc"] for row in conn.execute(sql.orders, params).fetchall()]
        payments = conn.execute(sql.payments, params).fetchall()
        held = conn.execute(tickets_sql.tickets_of_holder, params).fetchall()
        away = conn.execute(sql.transferred_away, params).fetchall()
        received = conn.execute(sql.received, params).fetchall()
        invoices = conn.execute(sql.invoices, params).fetchall()
        checkins = conn.execute(sql.checkins, params).fetchall()
        emails = conn.execute(sql.emails, params).fetchall()
    return {
        "exported_at": utc_text(datetime.now(tz=FISCAL_ZONE)),
        "profile": {**_plain(me), "roles": caller.roles},
        "orders": orders,
        "payments": [_plain(row) for row in payments],
        # Tickets I hold now (bought or received), then tickets I transferred away.
        "tickets": [
            {
                "relation": "held",
                "id": str(row["id"]),
                "code": row["code"],
                "event_id": str(row["event_id"]),
                "event_name": row["event_name"],
                "starts_at": row["starts_at"],
                **held_ticket_fields(row),
            }
            for row in held
        ]
        + [{"relation": "transferred_away", **_plain(row)} for row in away],
        "tickets_received": [_plain(row) for row in received],
        "invoices": [_plain(row) for row in invoices],
        "checkins": [_plain(row) for row in checkins],
        "emails": [_plain(row) for row in emails],
    }


def _plain(row: dict) -> dict:
    """A row as JSON values: ids as text."""
    return {
        key: str(value) if (key == "id" or key.endswith("_id")) and value is not None else value
        for key, value in row.items()
    }


def delete_account(caller: Caller) -> None:
    """DELETE /users/me: 409 invalid-state while I hold tickets for events to come; otherwise, in one
    transaction, the SQL function releases my live holds, sets the fiscal records apart, anonymises my
    profile, and the identity provider's account is deleted before the commit (a failure there changes
    nothing). The ticket PDFs that printed my name are deleted after the commit.

    An organizer's or admin's account is refused (409 invalid-state): it owns events, their sales and
    their check-ins, which outlive a person's wish to leave; it is closed through support."""
    if caller.groups:
        raise InvalidState(
            "An organizer's or admin's account owns events and their records; it is closed through support"
        )
    with db.connection() as conn, conn.transaction():
        result = conn.execute(sql.delete_account, (caller.sub,)).fetchone()["result"]
        _delete_identity(result["former_email"], caller.username)
    emit("AccountsDeleted")
    try:
        documents.delete_objects(result["pdf_keys"])
    except Exception:  # the profile is anonymised either way; the PDFs' names are the only loss
        log.exception("could not delete the ticket PDFs of a deleted account")


def _delete_identity(email: str, username: str | None) -> None:
    cfg = settings()
    cognito = client("cognito-idp")
    for name in dict.fromkeys(n for n in (email, username) if n):
        try:
            cognito.admin_delete_user(UserPoolId=cfg.user_pool_id, Username=name)
            return
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "UserNotFoundException":
                raise


def purge_expired_fiscal_records(
    today: date | None = None, batch_size: int = 500, time_budget_seconds: float = 50.0
) -> int:
    """The scheduled purge: fiscal records whose retain_until is before `today` (Brasília's date unless
    given: tests pass their own clock) are deleted and their invoices rewritten without the buyer."""
    day = today or datetime.now(tz=FISCAL_ZONE).date()

    def take_batch() -> tuple[dict[str, int], bool]:
        result = db.call_json(sql.purge_fiscal_retention, (day, batch_size))
        for invoice in result["invoices"]:
            try:
                documents.put_json(invoice["document_key"], invoice["document"])
                db.fetch_one(invoices_sql.mark_invoice_written + " RETURNING id", (invoice["id"],))
            except Exception:  # left unwritten: the invoices' repair sweep writes it
                log.exception("could not rewrite invoice %s", invoice["id"])
        return {"purged": result["purged"]}, result["purged"] >= batch_size

    purged = batch_after_batch(take_batch, time_budget_seconds).get("purged", 0)
    if purged:
        emit("FiscalRecordsPurged", purged)
    return purged
