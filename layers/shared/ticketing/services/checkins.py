"""Check-in at the door: the first scan of a ticket wins, atomically (check_in_ticket in 005)."""

from __future__ import annotations

from ticketing import db
from ticketing.api.after_payment import CheckInIn
from ticketing.auth import Caller
from ticketing.db import tickets as sql
from ticketing.errors import DomainError
from ticketing.metrics import emit


def check_in(caller: Caller, body: CheckInIn) -> dict:
    """POST /checkins by the event's organizer: 200 the first time; 409 already-checked-in (with when),
    invalid-state (refunded order), wrong-event (another event's door); 404 unknown or not theirs."""
    try:
        ticket = db.call_json(
            sql.check_in_ticket,
            (body.code.strip(), caller.sub, str(body.event_id) if body.event_id else None),
        )
    except DomainError as exc:
        emit("CheckIns", outcome=exc.name)
        raise
    emit("CheckIns", outcome="admitted")
    return ticket
