"""Half price and the service fee are decided in SQL (the hold applies them inside its transaction);
ticketing.domain.pricing holds their Python copies (the catalog's half price, the tests' oracle). These
prove each copy equal to the SQL function on the real PostgreSQL, over the whole range of the columns."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ticketing.domain.pricing import half_price, service_fee

PRICES = st.integers(min_value=0, max_value=2**31 - 1)  # price_cents: int, CHECK (price_cents >= 0)
# service_fee_percent: numeric(5, 2), CHECK (BETWEEN 0 AND 20)
PERCENTS = st.integers(min_value=0, max_value=2000).map(lambda hundredths: Decimal(hundredths) / 100)
EXAMPLES = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def conn(database_url):
    with psycopg.connect(database_url, autocommit=True) as connection:
        yield connection


@EXAMPLES
@given(price=PRICES)
def test_half_price_in_python_is_the_sql_rule(conn, price):
    assert conn.execute("SELECT half_price(%s)", (price,)).fetchone()[0] == half_price(price)


@EXAMPLES
@given(price=PRICES, percent=PERCENTS)
def test_service_fee_in_python_is_the_sql_rule(conn, price, percent):
    sql_fee = conn.execute("SELECT service_fee(%s, %s::numeric(5, 2))", (price, percent)).fetchone()[0]
    assert sql_fee == service_fee(price, percent)
    assert sql_fee == service_fee(price, float(percent))  # as the event's settings reach Python


@pytest.mark.parametrize(
    ("price", "percent"), [(2**31 - 1, Decimal("20.00")), (1, Decimal("0.01")), (0, Decimal(0))]
)
def test_the_edges_agree(conn, price, percent):
    assert conn.execute(
        "SELECT half_price(%s), service_fee(%s, %s::numeric(5, 2))", (price, price, percent)
    ).fetchone() == (
        half_price(price),
        service_fee(price, percent),
    )
