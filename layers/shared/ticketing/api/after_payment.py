"""Request and message models of what follows a payment: check-in, and the paid-order message."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ticketing.api import RequestModel


class CheckInIn(RequestModel):
    code: str = Field(min_length=1, max_length=200, description="the code the ticket's QR carries")
    event_id: UUID | None = Field(
        default=None, description="the event at this door; another event's ticket is 409"
    )


class PaidOrderMessage(BaseModel):
    """What the paid-orders topic carries (see services/outbox.py and mark_order_paid in 003)."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["order.paid"]
    order_id: UUID
    event_id: UUID
    paid_at: str | None = None
    total_cents: int | None = None
