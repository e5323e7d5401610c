"""Helpers shared by the stateful model tests (orders, waiting list): their settings and their events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, Phase, settings

from ticketing.api.catalog import EventIn
from ticketing.services import catalog


def model_settings(max_examples: int) -> settings:
    """Hypothesis settings of the stateful model tests: repeatable runs of 40 steps, no shrinking
    (it may take minutes; the steps are printed), no health checks (each step talks to PostgreSQL)."""
    return settings(
        max_examples=max_examples,
        stateful_step_count=40,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def new_model_event(organizer, name: str, **limits) -> dict:
    """An event at the Arena in 30 days, paid in one instalment, created through the catalog service."""
    return catalog.create_event(
        organizer,
        EventIn(
            name=name,
            venue="Arena",
            starts_at=datetime.now(UTC) + timedelta(days=30),
            max_installments=1,
            **limits,
        ),
    )
