"""Price rules in cents: half price, default quota, fee rounding, quota categories."""

from __future__ import annotations

import pytest

from ticketing.domain.half_categories import HALF_CATEGORIES
from ticketing.domain.pricing import (
    counts_toward_half_quota,
    default_half_quota,
    general_buckets,
    half_price,
    service_fee,
)


@pytest.mark.parametrize(("price", "half"), [(10000, 5000), (10001, 5000), (1, 0), (0, 0), (25001, 12500)])
def test_half_price_is_half_rounded_down(price, half):
    assert half_price(price) == half


@pytest.mark.parametrize(("capacity", "quota"), [(10, 4), (12, 4), (2, 0), (1000, 400), (3, 1)])
def test_default_quota_is_forty_percent_rounded_down(capacity, quota):
    assert default_half_quota(capacity) == quota


@pytest.mark.parametrize(
    ("price", "percent", "fee"),
    [
        (10000, 10, 1000),
        (10001, 12.5, 1250),
        (5000, 12.5, 625),
        (999, 7.5, 74),
        (1, 20, 0),
        (12345, 0, 0),
        (33333, 15, 4999),
    ],
)
def test_fee_is_per_ticket_rounded_down_to_the_cent(price, percent, fee):
    assert service_fee(price, percent) == fee


def test_quota_categories_follow_the_law():
    assert counts_toward_half_quota("half", None)
    for category in ("student", "youth_low_income", "disability", "disability_companion"):
        assert counts_toward_half_quota("half", category)
    assert not counts_toward_half_quota("half", "elderly")
    assert not counts_toward_half_quota("half", "teacher")
    assert not counts_toward_half_quota("full", None)
    assert set(HALF_CATEGORIES) == {
        "student",
        "youth_low_income",
        "disability",
        "disability_companion",
        "elderly",
        "teacher",
    }


def test_general_sectors_spread_over_at_most_sixteen_buckets():
    assert general_buckets(1) == 1
    assert general_buckets(49) == 1
    assert general_buckets(500) == 16
    assert general_buckets(100_000) == 16
