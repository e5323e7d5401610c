from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from ticketing.api import RequestModel
from ticketing.domain.half_categories import HalfCategory


class TicketLine(RequestModel):
    sector_id: UUID
    seat_id: UUID | None = None
    quantity: int | None = Field(default=None, ge=1, le=100)
    type: Literal["full", "half"] = "full"
    half_category: HalfCategory | None = None


class ProductLine(RequestModel):
    product_id: UUID
    quantity: int = Field(ge=1, le=100)


class OrderIn(RequestModel):
    event_id: UUID
    tickets: list[TicketLine] = Field(min_length=1, max_length=100)
    products: list[ProductLine] = Field(default_factory=list, max_length=50)


class ProductsIn(RequestModel):
    products: list[ProductLine] = Field(max_length=50)
