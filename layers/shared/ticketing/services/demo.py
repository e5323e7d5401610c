"""The demo event `make start` seeds once: a seated sector, a general sector and two add-ons, on sale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ticketing import db
from ticketing.api.catalog import EventIn, EventPatch, ProductIn, SectorIn
from ticketing.auth import ORGANIZER_GROUP, Caller
from ticketing.domain.email import email_for_lookup
from ticketing.services import catalog

DEMO_EVENT_NAME = "Noite de MPB — Demo"


def seed_demo_event(organizer_email: str) -> dict | None:
    """Create the demo event for the organizer unless it exists already; returns it (None if it existed)."""
    organizer = db.fetch_one(
        "SELECT cognito_sub FROM users WHERE email = %s AND cognito_sub IS NOT NULL",
        (email_for_lookup(organizer_email),),
    )
    if organizer is None:
        raise RuntimeError(f"The organizer {organizer_email} has no profile yet")
    # One demo per organizer: an advisory lock keeps two starting runtimes from seeding twice.
    with db.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('seed_demo_event'))")
        exists = conn.execute(
            "SELECT 1 FROM events e JOIN users u ON u.id = e.organizer_id WHERE u.email = %s AND e.name = %s",
            (email_for_lookup(organizer_email), DEMO_EVENT_NAME),
        ).fetchone()
        if exists:
            return None
        caller = Caller(sub=organizer["cognito_sub"], username=organizer_email, groups=(ORGANIZER_GROUP,))
        starts_at = (datetime.now(UTC) + timedelta(days=60)).replace(
            hour=23, minute=0, second=0, microsecond=0
        )
        event = catalog.create_event(
            caller,
            EventIn(
                name=DEMO_EVENT_NAME,
                venue="Teatro Municipal, São Paulo",
                starts_at=starts_at,
                description="Uma noite de clássicos da música popular brasileira, com voz e violão. Evento de demonstração.",
                service_fee_percent=10,
                max_installments=6,
            ),
        )
        catalog.create_sector(
            caller,
            event["id"],
            SectorIn(
                name="Plateia",
                kind="seated",
                price_cents=18000,
                rows=[{"row": r, "seats": 12} for r in "ABCDEFGH"],
            ),
        )
        catalog.create_sector(
            caller, event["id"], SectorIn(name="Pista", kind="general", price_cents=9000, capacity=500)
        )
        catalog.create_product(
            caller, ProductIn(name="Pipoca", price_cents=1500, stock=300, event_id=event["id"])
        )
        catalog.create_product(
            caller, ProductIn(name="Refrigerante", price_cents=800, stock=None, event_id=None)
        )
        return catalog.update_event(caller, event["id"], EventPatch(status="on_sale"))
