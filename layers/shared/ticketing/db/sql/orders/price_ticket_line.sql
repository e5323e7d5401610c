-- Price a ticket line: its places split over the sector's open price tiers (lotes; taken here), then each
-- part's unit price (half price for a half-price ticket) and per-ticket service fee. One row per part.
-- A sector without tiers (most) has one part, priced without a query; its values, not its row, are passed.
CREATE OR REPLACE FUNCTION price_ticket_line(p_sector uuid, p_has_tiers boolean, p_price_cents int,
                                             p_quantity int, p_type text, p_fee_percent numeric)
    RETURNS TABLE (tier_id uuid, tier_name text, quantity int, unit_price_cents int, unit_fee_cents int)
    LANGUAGE plpgsql
AS $$
BEGIN
    IF NOT p_has_tiers THEN
        quantity := p_quantity;
        unit_price_cents := CASE WHEN p_type = 'half' THEN half_price(p_price_cents) ELSE p_price_cents END;
        unit_fee_cents := service_fee(unit_price_cents, p_fee_percent);
        RETURN NEXT;
        RETURN;
    END IF;
    RETURN QUERY
    SELECT t.tier_id, t.tier_name, t.quantity, unit.price, service_fee(unit.price, p_fee_percent)
      FROM take_tier_places(p_sector, p_quantity, p_price_cents) t
     CROSS JOIN LATERAL (SELECT CASE WHEN p_type = 'half' THEN half_price(t.price_cents)
                                     ELSE t.price_cents END AS price) unit;
END
$$;
