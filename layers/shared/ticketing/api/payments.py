from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field, SecretStr

from ticketing.api import RequestModel


class CardIn(RequestModel):
    # SecretStr: the number and CVV never show in a repr, a log line or a validation error.
    number: SecretStr = Field(min_length=12, max_length=23, description="digits, spaces or dashes")
    holder: str = Field(min_length=1, max_length=100)
    exp_month: int = Field(ge=1, le=12)
    exp_year: int = Field(ge=2000, le=2100)
    cvv: SecretStr = Field(min_length=3, max_length=4)


class PaymentIn(RequestModel):
    method: Literal["pix", "card", "boleto"]
    card: CardIn | None = None
    installments: int = Field(
        default=1, ge=1, le=12, description="card only: 1 to the event's max_installments"
    )


class WebhookIn(RequestModel):
    payment_id: UUID
    status: Literal["approved", "declined", "expired"]
