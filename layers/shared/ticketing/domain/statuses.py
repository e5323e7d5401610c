"""The statuses an event, an order and a payment go through, as the API and the database name them."""

from __future__ import annotations

from typing import Literal, get_args

EventStatus = Literal["draft", "on_sale", "closed", "cancelled"]
EVENT_STATUSES: tuple[str, ...] = get_args(EventStatus)

OrderStatus = Literal["reserved", "awaiting_payment", "paid", "expired", "cancelled", "refunded"]
ORDER_STATUSES: tuple[str, ...] = get_args(OrderStatus)
# An order's status as Brazilian buyers and organizers read it (the pt-BR report, the CLI in Portuguese).
ORDER_STATUS_WORDS_PT_BR = {
    "reserved": "reservado",
    "awaiting_payment": "aguardando pagamento",
    "paid": "pago",
    "expired": "expirado",
    "cancelled": "cancelado",
    "refunded": "reembolsado",
}

PaymentStatus = Literal["pending", "approved", "declined", "expired", "refund_due", "refunded"]
PAYMENT_STATUSES: tuple[str, ...] = get_args(PaymentStatus)
