"""The waiting list of a sold-out sector (issue 18): join, list mine, leave.

Offers are made in SQL, in the transaction that gives places back (sql/waitlist/offer_returned_places.sql,
called by release_orders): this module only takes the buyer's requests."""

from __future__ import annotations

import json
import uuid

from ticketing import db
from ticketing.api.waitlist import WaitlistIn
from ticketing.auth import Caller
from ticketing.db import waitlist as sql
from ticketing.domain.pricing import counts_toward_half_quota
from ticketing.errors import ValidationFailed
from ticketing.ids import parse_id
from ticketing.services import outbox


def join(caller: Caller, event_id: str, body: WaitlistIn) -> dict:
    """POST /events/{id}/waitlist: wait for `quantity` places of a sold-out sector; returns the entry."""
    if body.half_category is not None and body.type != "half":
        raise ValidationFailed.field("half_category", "only for half-price tickets")
    payload = {
        "entry_id": str(uuid.uuid4()),
        "user_sub": caller.sub,
        "event_id": str(parse_id(event_id, "event")),
        "sector_id": str(body.sector_id),
        "quantity": body.quantity,
        "type": body.type,
        "half_category": body.half_category,
        "counts_to_quota": counts_toward_half_quota(body.type, body.half_category),
    }
    return db.call_json(sql.join_waitlist, (json.dumps(payload),))


def list_mine(caller: Caller) -> dict:
    """GET /waitlist: every entry of the caller, whatever its status, newest first.

    Lapsed holds of the events the caller waits in are released first (as a hold releases its event's
    lapsed holds), so the offers they owe are made now rather than at the next run of the expiry job."""
    lapsed = db.fetch_all(sql.events_with_lapsed_holds, {"sub": caller.sub})
    for row in lapsed:
        db.call_json(sql.release_expired_holds_of_event, (row["event_id"],))
    if lapsed:
        send_offer_emails()
    rows = db.fetch_all(sql.entries_of_buyer, {"sub": caller.sub})
    return {"items": [row["doc"] for row in rows], "next_cursor": None}


def leave(caller: Caller, entry_id: str) -> None:
    """DELETE /waitlist/{id}: the buyer leaves the list; an offer not yet paid is let go."""
    db.call_json(sql.leave_waitlist, (parse_id(entry_id, "waiting-list entry"), caller.sub))
    send_offer_emails()


def send_offer_emails() -> None:
    """The e-mails of the offers a release just made, sent now (one quick try) rather than at the outbox
    publisher's next run, which still sends whatever this misses."""
    rows = db.fetch_all(sql.unsent_offer_emails)
    if rows:
        outbox.publish_after_commit([str(row["aggregate_id"]) for row in rows])


def offer_free_places() -> int:
    """The expiry job's sweep: where people wait while places are free (a join that raced a release), offer
    them now. Returns how many offers were made."""
    offers = 0
    for row in db.fetch_all(sql.sectors_waiting_beside_free_places):
        offers += int(db.call_json(sql.offer_free_places, (row["sector_id"],)) or 0)
    if offers:
        send_offer_emails()
    return offers
