from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from ticketing.api import RequestModel
from ticketing.api.bounds import MAX_ADDON_UNITS_PER_ORDER, MAX_PLACES_PER_ORDER
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


def _check_addon_units(products: list[ProductLine]) -> None:
    if sum(line.quantity for line in products) > MAX_ADDON_UNITS_PER_ORDER:
        raise ValueError(f"at most {MAX_ADDON_UNITS_PER_ORDER} add-on units per order")


class OrderIn(RequestModel):
    event_id: UUID
    tickets: list[TicketLine] = Field(
        min_length=1, max_length=100, description=f"at most {MAX_PLACES_PER_ORDER} places in all"
    )
    products: list[ProductLine] = Field(
        default_factory=list, max_length=50, description=f"at most {MAX_ADDON_UNITS_PER_ORDER} units in all"
    )

    @model_validator(mode="after")
    def _bounded_totals(self) -> OrderIn:
        # Bounds that keep any order's total inside its integer column (see ticketing.api.bounds).
        places = sum(line.quantity or 1 for line in self.tickets)
        if places > MAX_PLACES_PER_ORDER:
            raise ValueError(f"tickets: at most {MAX_PLACES_PER_ORDER} places per order")
        _check_addon_units(self.products)
        return self


class ProductsIn(RequestModel):
    products: list[ProductLine] = Field(
        max_length=50, description=f"at most {MAX_ADDON_UNITS_PER_ORDER} units in all"
    )

    @model_validator(mode="after")
    def _bounded_totals(self) -> ProductsIn:
        _check_addon_units(self.products)
        return self
