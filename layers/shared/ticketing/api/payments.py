from __future__ import annotations

from datetime import datetime
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


class PixDevolutionIn(RequestModel):
    """A devolution as API Pix notices show it inside its PIX (only id and status matter here)."""

    id: str = Field(pattern=r"^[a-zA-Z0-9]{1,35}$")
    status: Literal["EM_PROCESSAMENTO", "DEVOLVIDO", "NAO_REALIZADO"]
    rtrId: str | None = Field(default=None, max_length=32)  # noqa: N815 - the API Pix name


class PixIn(RequestModel):
    """One PIX of the provider's webhook (API Pix `Pix`); other fields are allowed and kept as received."""

    model_config = {"extra": "allow"}

    endToEndId: str = Field(pattern=r"^[a-zA-Z0-9]{32}$")  # noqa: N815 - the API Pix name
    txid: str | None = Field(default=None, pattern=r"^[a-zA-Z0-9]{1,35}$")
    valor: str = Field(pattern=r"^\d{1,10}\.\d{2}$")
    horario: datetime
    devolucoes: list[PixDevolutionIn] = Field(default_factory=list, max_length=100)


class PixWebhookIn(RequestModel):
    """The API Pix webhook body: `{"pix": [...]}`."""

    pix: list[PixIn] = Field(min_length=1, max_length=1000)
