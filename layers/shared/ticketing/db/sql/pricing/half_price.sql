-- Half price (meia-entrada): half of the price, rounded down to the cent. This is the rule the hold applies;
-- ticketing.domain.pricing.half_price is its Python copy for the catalog, proven equal on PostgreSQL by
-- tests/integration/test_pricing_rules.py.
CREATE OR REPLACE FUNCTION half_price(p_price_cents int) RETURNS int
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN p_price_cents / 2;
