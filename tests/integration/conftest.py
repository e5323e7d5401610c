"""Fixtures for service-layer tests against the real PostgreSQL of the test run (no HTTP, no Cognito)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from accounts import make_user

from ticketing import db
from ticketing.api.catalog import EventIn, EventPatch, ProductIn, SectorIn
from ticketing.auth import Caller
from ticketing.config import reload_settings
from ticketing.services import catalog


@pytest.fixture
def organizer(database_url: str) -> Caller:
    return make_user(organizer=True)


@pytest.fixture
def new_user(database_url: str) -> Callable[[], Caller]:
    return make_user


@pytest.fixture
def make_event(organizer: Caller) -> Callable[..., dict]:
    """An event on sale with a general sector, a seated sector and an add-on with stock."""

    def build(
        capacity: int = 100,
        rows: list[dict] | None = None,
        stock: int | None = 10,
        half_quota: int | None = None,
        **event_fields: object,
    ) -> dict:
        event = catalog.create_event(
            organizer,
            EventIn(
                name="Show", venue="Arena", starts_at=datetime.now(UTC) + timedelta(days=30), **event_fields
            ),
        )
        general = catalog.create_sector(
            organizer,
            event["id"],
            SectorIn(
                name="Pista", kind="general", price_cents=10000, capacity=capacity, half_quota=half_quota
            ),
        )
        seated = catalog.create_sector(
            organizer,
            event["id"],
            SectorIn(
                name="Plateia", kind="seated", price_cents=20000, rows=rows or [{"row": "A", "seats": 10}]
            ),
        )
        product = catalog.create_product(
            organizer, ProductIn(name="Pipoca", price_cents=1500, stock=stock, event_id=event["id"])
        )
        catalog.update_event(organizer, event["id"], EventPatch(status="on_sale"))
        seats = catalog.seat_map(event["id"], seated["id"], None)["items"]
        return {"event": event, "general": general, "seated": seated, "product": product, "seats": seats}

    return build


@pytest.fixture
def add_general_sector(organizer: Caller) -> Callable[..., dict]:
    """Adds a general-admission sector to an event of the organizer's (e.g. one with price tiers)."""

    def add(event_id: str, **fields: object) -> dict:
        return catalog.create_sector(organizer, event_id, SectorIn(kind="general", **fields))

    return add


@pytest.fixture
def new_organizer(database_url: str) -> Callable[[], Caller]:
    return lambda: make_user(organizer=True)


@pytest.fixture
def sector_state(database_url: str) -> Callable[[str, str], dict]:
    """The public view of one sector of an event, by name."""

    def read(event_id: str, sector_name: str) -> dict:
        return next(s for s in catalog.get_event(event_id, None)["sectors"] if s["name"] == sector_name)

    return read


@pytest.fixture
def wide_pool(database_url: str):
    """A pool as wide as the concurrency under test (threads of this process), so PostgreSQL really sees
    the race."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DB_POOL_MAX", "32")
        reload_settings()
        db.close_pool()
        yield
    reload_settings()
    db.close_pool()
