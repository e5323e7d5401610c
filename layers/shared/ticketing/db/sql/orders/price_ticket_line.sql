-- Price a ticket line: its places split over the sector's open price tiers (lotes; taken here), then each
-- part's unit price (half price for a half-price ticket) and per-ticket service fee. One row per part.
CREATE OR REPLACE FUNCTION price_ticket_line(p_sector sectors, p_quantity int, p_type text, p_fee_percent numeric)
    RETURNS TABLE (tier_id uuid, tier_name text, quantity int, unit_price_cents int, unit_fee_cents int)
    LANGUAGE sql
AS $$
    SELECT part.tier_id, part.tier_name, part.quantity, unit.price, service_fee(unit.price, p_fee_percent)
      FROM (SELECT t.tier_id, t.tier_name, t.price_cents, t.quantity
              FROM take_tier_places(p_sector.id, p_quantity, p_sector.price_cents) t
             WHERE p_sector.has_tiers
            UNION ALL
            SELECT NULL::uuid, NULL::text, p_sector.price_cents, p_quantity
             WHERE NOT p_sector.has_tiers) part
     CROSS JOIN LATERAL (SELECT CASE WHEN p_type = 'half' THEN half_price(part.price_cents)
                                     ELSE part.price_cents END AS price) unit
$$;
