"""The bounds of what a client can send: JSON nesting, dates and money (422 beyond them).

Each bound is stated once here; the request models use these types, so /openapi.json documents them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, Field

from ticketing.errors import Malformed, ValidationFailed

# Our bodies nest four levels at most (an order's tickets); 32 leaves room and stops hostile nesting long
# before Python's recursion limit, which a 1,000-level body would otherwise hit (RecursionError, a 500).
MAX_JSON_DEPTH = 32

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

# Money. Totals are PostgreSQL integers (at most 2,147,483,647 cents), so what one order can add up to is
# bounded here: R$ 50.000,00 per ticket or add-on, 100 places (the largest max_tickets_per_order) and 200
# add-on units per order. Worst case: 100 x 5,000,000 x 1.2 (a 20 % fee) + 200 x 5,000,000 = 1.6e9 cents.
MAX_PRICE_CENTS = 5_000_000
MAX_PLACES_PER_ORDER = 100
MAX_ADDON_UNITS_PER_ORDER = 200
PriceCents = Annotated[
    int, Field(ge=0, le=MAX_PRICE_CENTS, description=f"cents, 0 to {MAX_PRICE_CENTS:,} (R$ 50.000,00)")
]


def _check_years(value: datetime) -> datetime:
    if not 2000 <= value.year <= 2100:
        raise ValueError("must lie between 2000-01-01 and 2100-01-01 (UTC)")
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("must lie between 2000-01-01 and 2100-01-01 (UTC)") from None
    if not EARLIEST <= in_utc < LATEST:
        raise ValueError("must lie between 2000-01-01 and 2100-01-01 (UTC)")
    return value


BoundedDatetime = Annotated[
    AwareDatetime,
    AfterValidator(_check_years),
    Field(description="RFC 3339 with an offset, between 2000-01-01 and 2100-01-01 UTC"),
]


def nesting_depth(value: Any) -> int:
    """How deep arrays and objects nest in a parsed JSON value (a scalar is 0), without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        pending.extend((child, depth + 1) for child in children)
    return deepest


def too_deep(field: str = "body") -> ValidationFailed:
    return ValidationFailed.field(field, f"JSON nested deeper than {MAX_JSON_DEPTH} levels")


def check_nesting(value: Any, field: str = "body") -> Any:
    """The value itself when it nests at most MAX_JSON_DEPTH levels (422 naming `field` otherwise)."""
    if nesting_depth(value) > MAX_JSON_DEPTH:
        raise too_deep(field)
    return value


def parse_json(text: str | bytes, field: str = "body") -> Any:
    """Parse client JSON: 400 when it is not JSON, 422 when it nests deeper than MAX_JSON_DEPTH."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise too_deep(field) from None
    except ValueError:
        raise Malformed(f"The {field} is not valid JSON") from None
    return check_nesting(value, field)
