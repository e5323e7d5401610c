from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, field_validator

from ticketing.api import RequestModel
from ticketing.api.bounds import BoundedDatetime, PriceCents
from ticketing.domain.statuses import EventStatus


def refuse_null(value: object) -> object:
    """A field that may be omitted from a change but not set to null: an explicit null is a 422 naming it."""
    if value is None:
        raise ValueError("must not be null")
    return value


def documented_without_null(*names: str) -> ConfigDict:
    """The model config that shows `names` in /openapi.json as optional but not nullable, as `refuse_null`
    makes them behave."""

    def without_null(schema: dict[str, Any]) -> None:
        for name in names:
            field = schema["properties"][name]
            field.pop("default", None)
            choices = [choice for choice in field.pop("anyOf", []) if choice != {"type": "null"}]
            if len(choices) == 1:
                field.update(choices[0])
            elif choices:
                field["anyOf"] = choices

    return ConfigDict(json_schema_extra=without_null)


Name = Field(min_length=1, max_length=200)
AdmitPerMinute = Field(ge=1, le=100_000, description="buyers admitted per minute, 1 to 100,000")


class QueueIn(RequestModel):
    """The event's waiting room for on-sales."""

    enabled: bool
    admit_per_minute: int = AdmitPerMinute
    opens_at: BoundedDatetime | None = Field(default=None, description="defaults to now")


class QueuePatch(RequestModel):
    """A change to the waiting room; omitted fields keep their value (the rate changes live)."""

    model_config = documented_without_null("enabled", "admit_per_minute")

    enabled: bool | None = None
    admit_per_minute: int | None = Field(default=None, ge=1, le=100_000)
    opens_at: BoundedDatetime | None = None

    _not_null = field_validator("enabled", "admit_per_minute", mode="before")(refuse_null)


class EventIn(RequestModel):
    name: str = Name
    venue: str = Name
    starts_at: BoundedDatetime
    timezone: str = Field(default="America/Sao_Paulo", max_length=64)
    description: str | None = Field(default=None, max_length=5000)
    hold_minutes: int = Field(default=15, ge=1, le=1440)
    max_tickets_per_order: int = Field(default=6, ge=1, le=100)
    service_fee_percent: float = Field(default=0, ge=0, le=20)
    max_tickets_per_cpf: int | None = Field(default=None, ge=1, le=1000)
    max_installments: int = Field(default=1, ge=1, le=12)
    queue: QueueIn | None = None
    city: str | None = Field(default=None, min_length=1, max_length=100)


NOT_NULL_IN_A_PATCH = (
    "status",
    "name",
    "venue",
    "starts_at",
    "timezone",
    "hold_minutes",
    "max_tickets_per_order",
    "service_fee_percent",
    "max_installments",
    "queue",
)


class EventPatch(RequestModel):
    model_config = documented_without_null(*NOT_NULL_IN_A_PATCH)

    status: EventStatus | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    venue: str | None = Field(default=None, min_length=1, max_length=200)
    starts_at: BoundedDatetime | None = None
    timezone: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=5000)
    hold_minutes: int | None = Field(default=None, ge=1, le=1440)
    max_tickets_per_order: int | None = Field(default=None, ge=1, le=100)
    service_fee_percent: float | None = Field(default=None, ge=0, le=20)
    max_tickets_per_cpf: int | None = Field(default=None, ge=1, le=1000)
    max_installments: int | None = Field(default=None, ge=1, le=12)
    queue: QueuePatch | None = None
    city: str | None = Field(default=None, min_length=1, max_length=100)

    # Fields an event always has: an explicit null is a 422 naming the field (description,
    # max_tickets_per_cpf and city may be cleared with null). Omitted fields keep their value.
    _not_null = field_validator(*NOT_NULL_IN_A_PATCH, mode="before")(refuse_null)


class SeatRow(RequestModel):
    row: str = Field(min_length=1, max_length=5, pattern=r"^[A-Za-z0-9]+$")
    seats: int = Field(ge=1, le=200)


class TierIn(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    price_cents: PriceCents
    quantity: int | None = Field(default=None, ge=1, le=1_000_000)
    ends_at: BoundedDatetime | None = None


class SectorIn(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    kind: Literal["seated", "general"]
    price_cents: PriceCents
    capacity: int | None = Field(default=None, ge=1, le=1_000_000)
    rows: list[SeatRow] | None = Field(default=None, min_length=1, max_length=100)
    half_quota: int | None = Field(default=None, ge=0)
    tiers: list[TierIn] | None = Field(default=None, max_length=10)


class ProductIn(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    price_cents: PriceCents
    stock: int | None = Field(default=None, ge=0, le=10_000_000)
    event_id: UUID | None = None


ImageType = Literal["image/jpeg", "image/png", "image/webp"]


class EventImageIn(RequestModel):
    content_type: ImageType = Field(
        default="image/jpeg", description="the image's type; the upload must be sent with this Content-Type"
    )
