"""Events, sectors, seats and add-ons: organizers set them up, everyone reads what is on sale."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ticketing import db
from ticketing.api.catalog import EventImageIn, EventIn, EventPatch, ProductIn, SectorIn
from ticketing.auth import Caller
from ticketing.config import settings
from ticketing.db import catalog as sql
from ticketing.documents import signer
from ticketing.domain import images
from ticketing.domain.pricing import default_half_quota, general_buckets, half_price
from ticketing.domain.statuses import EVENT_STATUSES
from ticketing.errors import InvalidState, NotFound, Unauthorized, ValidationFailed
from ticketing.ids import parse_id
from ticketing.paging import decode_cursor, page, parse_limit
from ticketing.services import cancellations, waiting_room
from ticketing.services.reports import count_seat_map_view
from ticketing.times import utc_text

# Which status changes an organizer may make (cancellation is its own flow).
STATUS_CHANGES = {
    ("draft", "on_sale"),
    ("on_sale", "closed"),
    ("closed", "on_sale"),
}


def event_document(row: dict, sectors: list[dict] | None = None) -> dict:
    doc: dict[str, Any] = {
        "id": str(row["id"]),
        "name": row["name"],
        "venue": row["venue"],
        "description": row["description"],
        "starts_at": utc_text(row["starts_at"]),
        "timezone": row["timezone"],
        "status": row["status"],
        "hold_minutes": row["hold_minutes"],
        "max_tickets_per_order": row["max_tickets_per_order"],
        "service_fee_percent": float(row["service_fee_percent"]),
        "max_tickets_per_cpf": row["max_tickets_per_cpf"],
        "max_installments": row["max_installments"],
        "created_at": utc_text(row["created_at"]),
        "queue": queue_document(row),
        "city": row["city"],
        "image_url": row["image_url"],
    }
    if sectors is not None:
        doc["sectors"] = sectors
    return doc


def queue_document(row: dict) -> dict | None:
    """The event's waiting room as organizers set it, or None if it never had one."""
    if row.get("queue_admit_per_minute") is None:
        return None
    return {
        "enabled": row["queue_enabled"],
        "admit_per_minute": row["queue_admit_per_minute"],
        "opens_at": utc_text(row["queue_opens_at"]),
    }


def _queue_columns(queue: dict | None, current: dict | None) -> dict:
    """The events columns for a requested waiting room (merged over the current one on a PATCH)."""
    current = current or {}
    enabled = queue.get("enabled", current.get("queue_enabled", False))
    rate = queue.get("admit_per_minute", current.get("queue_admit_per_minute"))
    if rate is None:
        raise ValidationFailed.field("queue.admit_per_minute", "required to set up a waiting room")
    opens_at = queue.get("opens_at") or current.get("queue_opens_at")
    if opens_at is None or (enabled and not current.get("queue_enabled") and "opens_at" not in queue):
        opens_at = datetime.now(UTC)  # a queue enabled now opens now unless told otherwise
    return {"queue_enabled": enabled, "queue_admit_per_minute": rate, "queue_opens_at": opens_at}


def sector_document(row: dict) -> dict:
    price = row["tier_price_cents"] if row["tier_price_cents"] is not None else row["base_price_cents"]
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "kind": row["kind"],
        "price_cents": price,
        "half_price_cents": half_price(price),
        "capacity": row["capacity"],
        "available": row["available"],
        "half_quota": row["half_quota"],
        "half_available": max(0, min(row["half_left"], row["available"])),
        "tier": row["tier"],
        "tiers": row["tiers"],
    }


def _check_timezone(name: str, field: str = "timezone") -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed.field(field, "not an IANA time zone name") from None


def _check_future(starts_at: datetime) -> None:
    if starts_at <= datetime.now(UTC):
        raise ValidationFailed.field("starts_at", "must be in the future")


def _strip_names(data: dict, fields: tuple[str, ...]) -> None:
    for field in fields:
        if data.get(field) is not None:
            data[field] = data[field].strip()
            if not data[field]:
                raise ValidationFailed.field(field, "must not be blank")


def create_event(caller: Caller, body: EventIn) -> dict:
    """POST /events: a new event in draft, owned by the calling organizer."""
    data = body.model_dump()
    _strip_names(data, ("name", "venue", "city"))
    _check_timezone(data["timezone"])
    _check_future(data["starts_at"])
    data["service_fee_percent"] = Decimal(str(data["service_fee_percent"]))
    queue = data.pop("queue")
    data.update(
        _queue_columns(queue, None)
        if queue
        else {"queue_enabled": False, "queue_admit_per_minute": None, "queue_opens_at": None}
    )
    # In a transaction, not autocommit: should the returned row fail to load (as a year-10000 time once
    # did, after the insert had committed), the insert is rolled back and the refused request writes nothing.
    with db.connection() as conn, conn.transaction():
        row = conn.execute(sql.insert_event, {**data, "sub": caller.sub}).fetchone()
        if row is not None:
            waiting_room.configure(row)  # before the commit: a failed copy writes no event
    if row is None:
        raise NotFound("This account has no profile")
    return event_document(row, sectors=[])


def _visible_event(event_id: str, caller: Caller | None) -> dict:
    row = db.fetch_one(
        sql.find_visible_event,
        {"event_id": parse_id(event_id, "event"), "sub": caller.sub if caller else None},
    )
    if row is None:
        raise NotFound("No such event")
    return row


def get_event(event_id: str, caller: Caller | None) -> dict:
    """GET /events/{id}: the event with its sectors and live availability (and refund_progress once
    cancelled)."""
    row = _visible_event(event_id, caller)
    sectors = db.fetch_all(sql.sectors_with_availability, {"event_id": row["id"]})
    document = event_document(row, [sector_document(s) for s in sectors])
    if row["status"] == "cancelled":
        document["refund_progress"] = cancellations.refund_progress(row["id"])
    return document


# Bounds of GET /events?q=&city= (the route declares the lengths): a search of a few words.
MAX_SEARCH_WORDS = 8


def search_pattern(q: str | None) -> str | None:
    """The LIKE pattern of ?q=: its words in order, anywhere in the name or venue ("rock arena" ->
    "%rock%arena%"), LIKE's own characters escaped; None for no search."""
    words = (q or "").split()
    if not words:
        return None
    if len(words) > MAX_SEARCH_WORDS:
        raise ValidationFailed.field("q", f"at most {MAX_SEARCH_WORDS} words")
    escaped = [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in words]
    return "%" + "%".join(escaped) + "%"


def list_events(
    status: str | None,
    limit: int | None,
    cursor: str | None,
    caller: Caller | None,
    q: str | None = None,
    city: str | None = None,
    mine: bool = False,
) -> dict:
    """GET /events: events by status (on sale by default), soonest first; ?q= words of the name or venue,
    ?city= the city (both without regard to case or accents); ?mine=true: only the caller's own events, of
    every status unless ?status= is given (the organizer console's list)."""
    if mine and caller is None:
        raise Unauthorized("?mine=true lists the caller's own events: sign in first")
    if not mine:
        status = status or "on_sale"
    if status is not None and status not in EVENT_STATUSES:
        raise ValidationFailed.field("status", "one of " + ", ".join(EVENT_STATUSES))
    pattern = search_pattern(q)
    city = " ".join((city or "").split()) or None
    size = parse_limit(limit)
    after = decode_cursor(cursor)
    rows = db.fetch_all(
        sql.list_events,
        {
            "status": status,
            "sub": caller.sub if caller else None,
            "mine": mine,
            "city": city,
            "pattern": pattern,
            "after_start": after[0] if after else None,
            "after_id": after[1] if after else None,
            "limit": size + 1,
        },
    )
    result = page(rows, size, ["starts_at", "id"])
    result["items"] = [event_document(r) for r in result["items"]]
    return result


def update_event(caller: Caller, event_id: str, body: EventPatch) -> dict:
    """PATCH /events/{id}: change details or publish / close sales."""
    changes = body.model_dump(exclude_unset=True)
    _strip_names(changes, ("name", "venue", "city"))
    if "timezone" in changes:
        _check_timezone(changes["timezone"])
    if "starts_at" in changes:
        _check_future(changes["starts_at"])
    if changes.get("service_fee_percent") is not None:
        changes["service_fee_percent"] = Decimal(str(changes["service_fee_percent"]))
    event_uuid = parse_id(event_id, "event")
    if changes.get("status") == "cancelled":
        del changes["status"]
        cancellations.cancel_event(caller, event_id)
        if not changes:
            cancelled = db.fetch_one(sql.find_own_event, {"event_id": event_uuid, "sub": caller.sub})
            if cancelled is not None:
                waiting_room.configure(cancelled)
            return get_event(event_id, caller)
    with db.connection() as conn, conn.transaction():
        row = conn.execute(sql.lock_own_event, {"event_id": event_uuid, "sub": caller.sub}).fetchone()
        if row is None:
            raise NotFound("No such event")
        new_status = changes.get("status")
        if new_status and new_status != row["status"]:
            if (row["status"], new_status) not in STATUS_CHANGES:
                raise InvalidState(f"An event cannot go from {row['status']} to {new_status}")
            if new_status == "on_sale":
                if conn.execute(sql.count_sectors, {"event_id": event_uuid}).fetchone()["n"] == 0:
                    raise InvalidState("Add at least one sector before opening sales")
                if row["starts_at"] <= datetime.now(UTC):
                    raise InvalidState("The event has already started")
        if "queue" in changes:
            changes.update(_queue_columns(changes.pop("queue"), row))
        if changes:
            assignments = ", ".join(f"{name} = %({name})s" for name in changes)
            conn.execute(
                f"UPDATE events SET {assignments}, updated_at = now() WHERE id = %(event_id)s",  # noqa: S608
                {**changes, "event_id": event_uuid},
            )
            row = conn.execute(sql.lock_own_event, {"event_id": event_uuid, "sub": caller.sub}).fetchone()
            waiting_room.configure(row)  # before the commit: the rate, opens_at and status change live
        sectors = conn.execute(sql.sectors_with_availability, {"event_id": event_uuid}).fetchall()
    return event_document(row, [sector_document(s) for s in sectors])


def create_sector(caller: Caller, event_id: str, body: SectorIn) -> dict:
    """POST /events/{id}/sectors: a general sector with a capacity, or a seated one with rows of seats."""
    name = body.name.strip()
    if not name:
        raise ValidationFailed.field("name", "must not be blank")
    if body.kind == "seated":
        if not body.rows:
            raise ValidationFailed.field("rows", "a seated sector needs rows: [{row, seats}]")
        labels = [r.row.upper() for r in body.rows]
        if len(set(labels)) != len(labels):
            raise ValidationFailed.field("rows", "row names must be unique")
        capacity = sum(r.seats for r in body.rows)
        if body.capacity is not None and body.capacity != capacity:
            raise ValidationFailed.field(
                "capacity", "must equal the number of seats in rows (or be left out)"
            )
    else:
        if body.rows:
            raise ValidationFailed.field("rows", "a general sector takes a capacity, not rows")
        if body.capacity is None:
            raise ValidationFailed.field("capacity", "required for a general sector")
        capacity = body.capacity
    half_quota = default_half_quota(capacity) if body.half_quota is None else body.half_quota
    if half_quota > capacity:
        raise ValidationFailed.field("half_quota", "cannot exceed the capacity")
    for index, tier in enumerate(body.tiers or []):
        if tier.ends_at is not None and tier.ends_at <= datetime.now(UTC):
            raise ValidationFailed.field(f"tiers[{index}].ends_at", "must be in the future")

    buckets = general_buckets(capacity) if body.kind == "general" else 1
    event_uuid = parse_id(event_id, "event")
    with db.connection() as conn, conn.transaction():
        event = conn.execute(sql.lock_own_event, {"event_id": event_uuid, "sub": caller.sub}).fetchone()
        if event is None:
            raise NotFound("No such event")
        if event["status"] not in ("draft", "on_sale"):
            raise InvalidState(f"Sectors cannot be added to an event that is {event['status']}")
        created = conn.execute(
            sql.insert_sector,
            {
                "event_id": event_uuid,
                "name": name,
                "kind": body.kind,
                "price_cents": body.price_cents,
                "capacity": capacity,
                "half_quota": half_quota,
                "buckets": buckets,
                "has_tiers": bool(body.tiers),
            },
        ).fetchone()
        if created is None:
            raise ValidationFailed.field("name", "this event already has a sector with this name")
        sector_id = created["id"]
        if body.kind == "seated":
            for row in body.rows or []:
                conn.execute(
                    sql.insert_seats_of_row,
                    {"sector_id": sector_id, "row": row.row.upper(), "seats": row.seats},
                )
        else:
            conn.execute(
                sql.insert_buckets, {"sector_id": sector_id, "capacity": capacity, "buckets": buckets}
            )
        for position, tier in enumerate(body.tiers or []):
            conn.execute(sql.insert_tier, {"sector_id": sector_id, "position": position, **tier.model_dump()})
        sectors = conn.execute(sql.sectors_with_availability, {"event_id": event_uuid}).fetchall()
    return next(sector_document(s) for s in sectors if s["id"] == sector_id)


def seat_map(event_id: str, sector_id: str, caller: Caller | None) -> dict:
    """GET /events/{id}/sectors/{sector_id}/seats: every seat with available / held / sold."""
    event = _visible_event(event_id, caller)
    sector = db.fetch_one(
        sql.find_sector_of_event, {"sector_id": parse_id(sector_id, "sector"), "event_id": event["id"]}
    )
    if sector is None:
        raise NotFound("No such sector in this event")
    seats = db.fetch_all(sql.seat_map, {"sector_id": sector["id"]})
    count_seat_map_view(sector["id"])
    for seat in seats:
        seat["id"] = str(seat["id"])
    return {"items": seats, "next_cursor": None}


def product_document(row: dict) -> dict:
    return {
        "id": str(row["id"]),
        "event_id": str(row["event_id"]) if row["event_id"] else None,
        "name": row["name"],
        "description": row["description"],
        "price_cents": row["price_cents"],
        "available": row["available"],
    }


def create_product(caller: Caller, body: ProductIn) -> dict:
    """POST /products: an add-on for one of the organizer's events, or for all of them (event_id null)."""
    name = body.name.strip()
    if not name:
        raise ValidationFailed.field("name", "must not be blank")
    if body.event_id is not None:
        own = db.fetch_one(
            "SELECT 1 AS ok FROM events WHERE id = %s AND organizer_id = (SELECT id FROM users"
            " WHERE cognito_sub = %s)",
            (body.event_id, caller.sub),
        )
        if own is None:
            raise NotFound("No such event")
    row = db.fetch_one(
        sql.insert_product,
        {
            "sub": caller.sub,
            "event_id": body.event_id,
            "name": name,
            "description": body.description,
            "price_cents": body.price_cents,
            "stock": body.stock,
        },
    )
    if row is None:
        raise NotFound("This account has no profile")
    return product_document(row)


def list_products(event_id: str, caller: Caller | None) -> dict:
    """GET /products?event_id=: the event's add-ons and its organizer's global ones (the route's query
    parameter is a required UUID, checked before this runs)."""
    event = _visible_event(event_id, caller)
    rows = db.fetch_all(
        sql.products_of_event, {"event_id": event["id"], "organizer_id": event["organizer_id"]}
    )
    return {"items": [product_document(r) for r in rows], "next_cursor": None}


def _images_base_url(bucket: str) -> str:
    """Where uploaded images are read: the storefront's CloudFront in AWS; locally the bucket at moto's
    endpoint (moto serves objects without a signature)."""
    cfg = settings()
    if cfg.images_base_url:
        return cfg.images_base_url
    endpoint = (os.environ.get("AWS_ENDPOINT_URL") or "").rstrip("/")
    if not endpoint:
        raise RuntimeError("IMAGES_BASE_URL is not set")
    return f"{endpoint}/{bucket}"


def event_image_upload(caller: Caller, event_id: str, body: EventImageIn | None) -> dict:
    """POST /events/{id}/image: a presigned S3 POST for the event's new image (JPEG, PNG or WebP, at most
    5 MB: the signed policy's conditions), and the image_url the event shows from now on."""
    content_type = (body or EventImageIn()).content_type
    event_uuid = parse_id(event_id, "event")
    bucket = settings().images_bucket
    if not bucket:
        raise RuntimeError("IMAGES_BUCKET is not set")
    key = images.image_key(str(event_uuid), uuid4().hex, content_type)
    image_url = f"{_images_base_url(bucket)}/{key}"
    row = db.fetch_one(
        sql.set_event_image, {"event_id": event_uuid, "sub": caller.sub, "image_url": image_url}
    )
    if row is None:
        raise NotFound("No such event")
    post = signer().generate_presigned_post(
        Bucket=bucket,
        Key=key,
        Fields=images.upload_fields(content_type),
        Conditions=images.upload_conditions(content_type),
        ExpiresIn=images.UPLOAD_SECONDS,
    )
    return {
        "upload_url": post["url"],
        "fields": post["fields"],
        "image_url": image_url,
        "content_type": content_type,
        "max_bytes": images.MAX_IMAGE_BYTES,
        "expires_at": utc_text(datetime.now(UTC) + timedelta(seconds=images.UPLOAD_SECONDS)),
    }
