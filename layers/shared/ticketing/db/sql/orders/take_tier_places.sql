-- Split p_quantity places over the sector's open price tiers (lotes), first open tier first.
-- Without tiers, or once every tier is sold out or ended, the sector's own price applies.
CREATE OR REPLACE FUNCTION take_tier_places(p_sector uuid, p_quantity int, p_base_price int)
    RETURNS TABLE (tier_id uuid, tier_name text, price_cents int, quantity int)
    LANGUAGE plpgsql
AS $$
DECLARE
    v_tier record;
    v_left int := p_quantity;
    v_take int;
BEGIN
    IF EXISTS (SELECT 1 FROM price_tiers t WHERE t.sector_id = p_sector) THEN
        FOR v_tier IN
            SELECT t.id, t.name, t.price_cents, t.quantity, t.taken FROM price_tiers t
             WHERE t.sector_id = p_sector AND (t.ends_at IS NULL OR t.ends_at > now())
             ORDER BY t.position
               FOR UPDATE
        LOOP
            v_take := CASE WHEN v_tier.quantity IS NULL THEN v_left
                           ELSE least(v_left, v_tier.quantity - v_tier.taken) END;
            CONTINUE WHEN v_take <= 0;
            UPDATE price_tiers SET taken = taken + v_take WHERE id = v_tier.id;
            tier_id := v_tier.id;
            tier_name := v_tier.name;
            price_cents := v_tier.price_cents;
            quantity := v_take;
            RETURN NEXT;
            v_left := v_left - v_take;
            EXIT WHEN v_left = 0;
        END LOOP;
    END IF;
    IF v_left > 0 THEN
        tier_id := NULL;
        tier_name := NULL;
        price_cents := p_base_price;
        quantity := v_left;
        RETURN NEXT;
    END IF;
END
$$;
