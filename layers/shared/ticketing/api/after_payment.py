"""Request and message models of what follows a payment: check-in, ticket transfer, and the paid-order
message."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ticketing.api import RequestModel
from ticketing.domain.half_categories import HalfCategory


class CheckInIn(RequestModel):
    code: str = Field(min_length=1, max_length=200, description="the code the ticket's QR carries")
    event_id: UUID | None = Field(
        default=None, description="the event at this door; another event's ticket is 409"
    )


class TransferIn(RequestModel):
    email: str = Field(min_length=3, max_length=254, description="the e-mail of the recipient's account")
    half_category: HalfCategory | None = Field(
        default=None,
        description="a half-price ticket: the recipient's category (they show its proof at the door)",
    )


class PaidOrderMessage(BaseModel):
    """What the paid-orders topic carries (see services/outbox.py and mark_order_paid in 003)."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["order.paid"]
    order_id: UUID
    event_id: UUID
    paid_at: str | None = None
    total_cents: int | None = None
