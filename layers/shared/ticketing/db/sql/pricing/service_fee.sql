-- The service fee (taxa de conveniência) of one ticket: the event's percentage of the ticket's price,
-- rounded down to the cent. This is the rule the hold applies; ticketing.domain.pricing.service_fee is its
-- Python copy, proven equal on PostgreSQL by tests/integration/test_pricing_rules.py.
CREATE OR REPLACE FUNCTION service_fee(p_unit_price_cents int, p_fee_percent numeric) RETURNS int
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN floor(p_unit_price_cents * p_fee_percent / 100)::int;
