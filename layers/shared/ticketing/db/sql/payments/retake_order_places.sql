-- A late approval: take back every place, quota, tier place, add-on and CPF count a released order had,
-- at the prices it was held at, all or nothing. Returns false (and changes nothing) when any is gone.
CREATE OR REPLACE FUNCTION retake_order_places(p_order uuid) RETURNS boolean
    LANGUAGE plpgsql
AS $$
DECLARE
    v_order orders%ROWTYPE;
    v_event events%ROWTYPE;
    v_line record;
BEGIN
    SELECT * INTO v_order FROM orders WHERE id = p_order;
    SELECT * INTO v_event FROM events WHERE id = v_order.event_id;
    IF v_order.status <> 'expired' OR v_event.status NOT IN ('on_sale', 'closed') OR v_event.starts_at <= now() THEN
        RETURN false;
    END IF;
    -- Places of other holds that lapsed meanwhile count as free, as they do for a new hold.
    PERFORM release_expired_holds_of_event(v_event.id);
    BEGIN
        IF v_order.buyer_cpf IS NOT NULL THEN
            INSERT INTO cpf_ticket_counts AS c (event_id, cpf, taken)
            VALUES (v_event.id, v_order.buyer_cpf, v_order.ticket_count)
            ON CONFLICT (event_id, cpf) DO UPDATE
               SET taken = c.taken + EXCLUDED.taken
             WHERE v_event.max_tickets_per_cpf IS NULL OR c.taken + EXCLUDED.taken <= v_event.max_tickets_per_cpf;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'limit-exceeded';
            END IF;
        END IF;
        -- The lock order of hold_order and release_orders: seats, tiers, add-ons, then the hot rows (half-price
        -- quota, general places by sector), so a late approval cannot deadlock with a buyer's hold.
        FOR v_line IN
            SELECT seat_id FROM order_tickets
             WHERE order_id = p_order AND seat_id IS NOT NULL
             ORDER BY sector_id, seat_id
        LOOP
            UPDATE seats SET order_id = p_order WHERE id = v_line.seat_id AND order_id IS NULL;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'seat-unavailable';
            END IF;
        END LOOP;
        FOR v_line IN
            SELECT tier_id, sum(quantity)::int AS quantity
              FROM order_tickets WHERE order_id = p_order AND tier_id IS NOT NULL
             GROUP BY tier_id ORDER BY tier_id
        LOOP
            UPDATE price_tiers SET taken = taken + v_line.quantity
             WHERE id = v_line.tier_id AND (quantity IS NULL OR taken + v_line.quantity <= quantity);
            IF NOT FOUND THEN
                RAISE EXCEPTION 'sold-out';
            END IF;
        END LOOP;
        FOR v_line IN
            SELECT op.product_id, op.quantity
              FROM order_products op JOIN products p ON p.id = op.product_id
             WHERE op.order_id = p_order AND p.available IS NOT NULL
             ORDER BY op.product_id
        LOOP
            UPDATE products SET available = available - v_line.quantity
             WHERE id = v_line.product_id AND available >= v_line.quantity;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'out-of-stock';
            END IF;
        END LOOP;
        FOR v_line IN
            SELECT sector_id, sum(quantity)::int AS quantity
              FROM order_tickets WHERE order_id = p_order AND counts_to_quota
             GROUP BY sector_id ORDER BY sector_id
        LOOP
            UPDATE sectors SET half_taken = half_taken + v_line.quantity
             WHERE id = v_line.sector_id AND half_taken + v_line.quantity <= half_quota;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'limit-exceeded';
            END IF;
        END LOOP;
        FOR v_line IN
            SELECT l.sector_id, sum(l.quantity)::int AS quantity, s.buckets
              FROM order_tickets l JOIN sectors s ON s.id = l.sector_id
             WHERE l.order_id = p_order AND l.seat_id IS NULL
             GROUP BY l.sector_id, s.buckets
             ORDER BY l.sector_id
        LOOP
            PERFORM take_general_places(v_line.sector_id, v_line.quantity, v_line.buckets);
        END LOOP;
        UPDATE orders SET released_at = NULL, updated_at = now() WHERE id = p_order;
    EXCEPTION WHEN raise_exception OR check_violation THEN
        -- Only this block is rolled back: whatever it took so far goes back.
        RETURN false;
    END;
    RETURN true;
END
$$;
