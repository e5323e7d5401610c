"""Orders: hold everything at once or nothing, read, change add-ons, cancel, expire."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from ticketing import db, payments_provider
from ticketing.api.orders import OrderIn, ProductsIn
from ticketing.auth import Caller
from ticketing.batches import batch_after_batch
from ticketing.db import orders as sql
from ticketing.domain.email import email_for_lookup
from ticketing.domain.pricing import counts_toward_half_quota
from ticketing.domain.statuses import OrderStatus
from ticketing.errors import Conflict, NotFound, ValidationFailed
from ticketing.ids import parse_id
from ticketing.metrics import emit
from ticketing.paging import decode_cursor, page, parse_limit
from ticketing.services import waiting_room, waitlist

log = logging.getLogger("ticketing.orders")

MAX_IDEMPOTENCY_KEY = 255


@dataclass(frozen=True)
class Held:
    """A hold as `hold_order` made it, or as it was made the first time (`replayed`: the same request again
    with the same Idempotency-Key, which answers the first order and holds nothing more)."""

    order: dict
    replayed: bool


def request_hash(body: dict) -> str:
    """A stable fingerprint of a request body, to tell a retry from a different request."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def idempotency(scope: str, key: str | None, body: dict) -> dict | None:
    if key is None:
        return None
    if not key or len(key) > MAX_IDEMPOTENCY_KEY:
        raise ValidationFailed.field("Idempotency-Key", f"must be 1 to {MAX_IDEMPOTENCY_KEY} characters")
    if not key.isprintable():
        raise ValidationFailed.field("Idempotency-Key", "must not contain control characters")
    return {"scope": scope, "key": key, "hash": request_hash(body)}


def _ticket_lines(body: OrderIn) -> list[dict]:
    lines = []
    seen_seats: set[str] = set()
    for index, line in enumerate(body.tickets):
        if line.seat_id is not None:
            if line.quantity not in (None, 1):
                raise ValidationFailed.field(f"tickets[{index}].quantity", "a seat line is one ticket")
            if str(line.seat_id) in seen_seats:
                raise ValidationFailed.field(f"tickets[{index}].seat_id", "the same seat appears twice")
            seen_seats.add(str(line.seat_id))
        if line.half_category is not None and line.type != "half":
            raise ValidationFailed.field(f"tickets[{index}].half_category", "only for half-price tickets")
        lines.append(
            {
                "index": index,
                "sector_id": str(line.sector_id),
                "seat_id": str(line.seat_id) if line.seat_id else None,
                "quantity": 1 if line.seat_id else (line.quantity or 1),
                "type": line.type,
                "half_category": line.half_category,
                "counts_to_quota": counts_toward_half_quota(line.type, line.half_category),
            }
        )
    # One locking order for every hold (sector, then seat), so concurrent holds cannot deadlock.
    return sorted(lines, key=lambda x: (x["sector_id"], x["seat_id"] or "", x["index"]))


def _product_lines(products: list[Any]) -> list[dict]:
    seen: set[str] = set()
    lines = []
    for index, item in enumerate(products):
        if str(item.product_id) in seen:
            raise ValidationFailed.field(f"products[{index}].product_id", "the same add-on appears twice")
        seen.add(str(item.product_id))
        lines.append({"index": index, "product_id": str(item.product_id), "quantity": item.quantity})
    return sorted(lines, key=lambda x: x["product_id"])


def hold_order(
    caller: Caller, body: OrderIn, idempotency_key: str | None = None, admission_token: str | None = None
) -> Held:
    """POST /orders: hold every ticket and add-on at once or nothing, in one database round trip.

    With an Idempotency-Key, a repeat of the same request returns the first order (`replayed`). Whether the
    admission token is valid for this buyer and event is decided here without I/O; the hold itself refuses
    it (403) only if the event's waiting room is enabled, once the event is found."""
    payload = {
        "order_id": str(uuid.uuid4()),
        "user_sub": caller.sub,
        "event_id": str(body.event_id),
        "admitted": waiting_room.admitted(caller, str(body.event_id), admission_token),
        "tickets": _ticket_lines(body),
        "products": _product_lines(body.products),
        "idempotency": idempotency("create_order", idempotency_key, body.model_dump(mode="json")),
    }
    try:
        result = db.call_json(sql.hold_order, (json.dumps(payload),))
    except Conflict as exc:
        emit("HoldsRejected", reason=exc.name)
        raise
    if not result["replayed"]:
        emit("HoldsCreated")
        emit("OrderTransitions", to_status="reserved")
    return Held(order=result["order"], replayed=bool(result["replayed"]))


def get_order(caller: Caller, order_id: str) -> dict:
    """GET /orders/{id}: for its buyer or the event's organizer; anyone else gets 404."""
    row = db.fetch_one(sql.order_for_caller, {"sub": caller.sub, "order_id": parse_id(order_id, "order")})
    if row is None:
        raise NotFound("No such order")
    return row["doc"]


def _cursor_params(cursor: str | None, limit: int | None) -> dict:
    size = parse_limit(limit)
    after = decode_cursor(cursor)
    return {
        "limit": size + 1,
        "after_created": after[0] if after else None,
        "after_id": after[1] if after else None,
        "_size": size,
    }


def list_orders(caller: Caller, limit: int | None, cursor: str | None) -> dict:
    """GET /orders: the caller's orders, newest first."""
    params = _cursor_params(cursor, limit)
    rows = db.fetch_all(sql.orders_of_buyer, {**params, "sub": caller.sub})
    return page(rows, params["_size"], ["created_at", "id"], item="doc")


def list_event_orders(
    caller: Caller,
    event_id: str,
    status: OrderStatus | None,
    email: str | None,
    limit: int | None,
    cursor: str | None,
) -> dict:
    """GET /events/{id}/orders: the order desk of the event's organizer (the route declares `status` as one
    of the order statuses)."""
    params = _cursor_params(cursor, limit)
    event_uuid = parse_id(event_id, "event")
    if db.fetch_one(sql.own_event, {"event_id": event_uuid, "sub": caller.sub}) is None:
        raise NotFound("No such event")
    rows = db.fetch_all(
        sql.orders_of_event,
        {
            **params,
            "event_id": event_uuid,
            "status": status,
            "email": email_for_lookup(email) if email else None,
        },
    )
    return page(rows, params["_size"], ["created_at", "id"], item="doc")


def replace_products(caller: Caller, order_id: str, body: ProductsIn) -> dict:
    """PUT /orders/{id}/products: replace the add-ons while the order is reserved."""
    lines = _product_lines(body.products)
    return db.call_json(
        sql.replace_order_products, (parse_id(order_id, "order"), caller.sub, json.dumps(lines))
    )


def cancel_order(caller: Caller, order_id: str) -> dict:
    """POST /orders/{id}/cancel: the buyer lets the hold go; places and stock go back on sale."""
    order = db.call_json(sql.cancel_order, (parse_id(order_id, "order"), caller.sub))
    emit("OrderTransitions", to_status="cancelled")
    waitlist.send_offer_emails()
    _withdraw_pix_charge(order.get("payment"))
    return order


def _withdraw_pix_charge(payment: dict | None) -> None:
    """The cancelled order's PIX charge (API Pix, issue 20) is withdrawn at the provider, so the buyer's bank app
    refuses it. Best effort: a PIX that still arrives is money for a cancelled order, and goes back."""
    if not payment or not payment.get("pix_txid") or payment.get("status") not in ("expired", "pending"):
        return
    try:
        payments_provider.provider().cancel_charge(payment["pix_txid"], due=payment.get("method") == "boleto")
    except (payments_provider.ProviderUnavailable, payments_provider.ProviderRefused) as exc:
        log.warning("the PIX charge of a cancelled order stays open", extra={"error": str(exc)})


def release_expired_holds(batch_size: int = 1000, time_budget_seconds: float = 50.0) -> int:
    """The expiration job: release stale holds in batches until none are left or time runs out.

    Safe to run several at once: each batch skips orders another worker has locked."""

    def take_batch() -> tuple[dict[str, int], bool]:
        # A batch that lost a deadlock to a buyer's hold is rolled back whole and tried again.
        count = int(db.call_json(sql.release_expired_holds, (batch_size,)) or 0)
        return {"released": count}, count >= batch_size

    released = batch_after_batch(take_batch, time_budget_seconds).get("released", 0)
    if released:
        emit("HoldsExpired", released)
        emit("OrderTransitions", released, to_status="expired")
        waitlist.send_offer_emails()
    waitlist.offer_free_places()
    return released
