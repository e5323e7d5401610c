"""Keyset pagination: `?limit=` (default 50, max 200) and an opaque `?cursor=` naming the last item seen."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Any

from ticketing.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# A cursor is [time, id] in base64: about 100 characters. Longer ones are not ours (nor parsed).
MAX_CURSOR_LENGTH = 512


def parse_limit(value: str | int | None) -> int:
    if value in (None, ""):
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed.field("limit", "must be a whole number") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed.field("limit", f"must be between 1 and {MAX_LIMIT}")
    return limit


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The (time, id) of the last item seen. Every list is ordered by a time and an id, and a cursor is
    opaque: anything that is not one this API issued is a 422 naming `cursor`, whatever it decodes to."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("longer than any cursor this API issues")
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != 2 or not all(isinstance(v, str) for v in values):
            raise ValueError("not a [time, id] pair")
        moment = datetime.fromisoformat(values[0])
        if moment.tzinfo is None:
            raise ValueError("a time without its offset")
        return moment, uuid.UUID(values[1])
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: a deeply nested one
        raise ValidationFailed.field("cursor", "not a cursor this API issued") from None


def page(rows: list[dict], limit: int, key: list[str], item: str | None = None) -> dict:
    """`rows` was fetched with LIMIT limit + 1; returns {items, next_cursor}."""
    more = len(rows) > limit
    rows = rows[:limit]
    items = [r[item] for r in rows] if item else rows
    next_cursor = encode_cursor([rows[-1][k] for k in key]) if more and rows else None
    return {"items": items, "next_cursor": next_cursor}
