from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from ticketing.api import RequestModel
from ticketing.domain.half_categories import HalfCategory


class WaitlistIn(RequestModel):
    sector_id: UUID
    quantity: int = Field(
        default=1, ge=1, le=100, description="places wanted (at most max_tickets_per_order)"
    )
    type: Literal["full", "half"] = "full"
    half_category: HalfCategory | None = None
