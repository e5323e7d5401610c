"""Price rules in cents: half price (meia-entrada), quotas, the service fee (taxa de conveniência).

Half price and the service fee are decided in SQL, where the hold prices its lines inside its transaction
(ticketing/db/sql/pricing/): `half_price` and `service_fee` here are their Python copies, for the catalog's
half price and as the tests' oracle, proven equal to the SQL functions by tests/integration/test_pricing_rules.py.
The quota categories and the bucket count are decided here and passed to SQL."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from ticketing.domain.half_categories import QUOTA_CATEGORIES

DEFAULT_HALF_QUOTA_SHARE = Decimal("0.40")


def half_price(price_cents: int) -> int:
    """Half of the price, rounded down to the cent (the copy of SQL `half_price`)."""
    return price_cents // 2


def default_half_quota(capacity: int) -> int:
    """40 % of the capacity, rounded down."""
    return int((Decimal(capacity) * DEFAULT_HALF_QUOTA_SHARE).to_integral_value(rounding=ROUND_FLOOR))


def counts_toward_half_quota(ticket_type: str, half_category: str | None) -> bool:
    """A half-price ticket counts toward the quota unless its category has the right outside it."""
    return ticket_type == "half" and (half_category is None or half_category in QUOTA_CATEGORIES)


def service_fee(unit_price_cents: int, fee_percent: Decimal | float | int) -> int:
    """The per-ticket fee: the percentage of the ticket's price, rounded down to the cent (the copy of SQL
    `service_fee`)."""
    fee = Decimal(unit_price_cents) * Decimal(str(fee_percent)) / Decimal(100)
    return int(fee.to_integral_value(rounding=ROUND_FLOOR))


def general_buckets(capacity: int) -> int:
    """How many counter rows a general-admission sector's places are spread over (1 to 16)."""
    return max(1, min(16, capacity // 25))
