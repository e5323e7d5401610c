-- Give back everything the given orders hold or own, and set their status; a payment still pending for them
-- expires with them. The caller has locked the orders.
--
-- One lock order for everything that takes or gives back places, so a hold and a release cannot deadlock:
-- the account's hold counter, the buyer's CPF counter, seats, price tiers, add-on stock, and last the hot
-- rows (half-price quota on sectors, then general places in sector_buckets), as hold_order takes them.
-- Within one table, rows are updated in id order, so two releases agree with each other too.
--
-- Issue 18: when people wait for a sector these orders had places in, the places go to its waiting list
-- (offer_returned_places) at the end, in this transaction. What an offer will need is locked here in the
-- same order first: the waiting buyers' CPF counters, the sector's tiers, its row with the quota, its buckets.
CREATE OR REPLACE FUNCTION release_orders(p_ids uuid[], p_status text) RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    v_waitlist_sectors uuid[];
    v_sector uuid;
BEGIN
    -- An offer that ends unpaid lapses; its places go on to the next entry below.
    IF p_status <> 'refunded' THEN
        UPDATE waitlist_entries SET status = 'lapsed', updated_at = now()
         WHERE order_id = ANY (p_ids) AND status = 'offered';
    END IF;
    SELECT array_agg(DISTINCT l.sector_id ORDER BY l.sector_id) INTO v_waitlist_sectors
      FROM order_tickets l
     WHERE l.order_id = ANY (p_ids)
       AND EXISTS (SELECT 1 FROM waitlist_entries w WHERE w.sector_id = l.sector_id AND w.status = 'waiting');
    -- Unpaid orders give their places back to the account's hold count (issue 14), before their status
    -- changes; counters locked in (event, user) order, first, as check_hold_limits takes its own first.
    PERFORM 1 FROM account_hold_counts c
      JOIN (SELECT DISTINCT event_id, user_id FROM orders
             WHERE id = ANY (p_ids) AND status IN ('reserved', 'awaiting_payment') AND NOT waitlist_offer) x
        ON c.event_id = x.event_id AND c.user_id = x.user_id
     ORDER BY c.event_id, c.user_id
       FOR UPDATE OF c;
    UPDATE account_hold_counts c
       SET held = c.held - x.quantity
      FROM (SELECT event_id, user_id, sum(ticket_count) AS quantity
              FROM orders WHERE id = ANY (p_ids) AND status IN ('reserved', 'awaiting_payment') AND NOT waitlist_offer
             GROUP BY event_id, user_id) x
     WHERE c.event_id = x.event_id AND c.user_id = x.user_id;
    UPDATE orders SET status = p_status, released_at = now(), updated_at = now() WHERE id = ANY (p_ids);
    UPDATE payments SET status = 'expired', decided_at = now(), updated_at = now()
     WHERE order_id = ANY (p_ids) AND status = 'pending';
    -- The waiting buyers' CPF counters an offer may raise exist before they are locked below, so the offer
    -- never waits for another transaction's insert of one after this has taken the hot rows.
    INSERT INTO cpf_ticket_counts (event_id, cpf, taken)
    SELECT DISTINCT w.event_id, u.cpf, 0
      FROM waitlist_entries w JOIN users u ON u.id = w.user_id JOIN events e ON e.id = w.event_id
     WHERE w.sector_id = ANY (v_waitlist_sectors) AND w.status = 'waiting'
       AND e.max_tickets_per_cpf IS NOT NULL AND u.cpf IS NOT NULL
     ORDER BY w.event_id, u.cpf
    ON CONFLICT (event_id, cpf) DO NOTHING;
    -- The CPF counters: the buyer's counts the order's tickets except those transferred away; a transferred
    -- ticket is counted on the CPF its transfer moved it to (tickets.counted_cpf). Only a paid order has
    -- tickets, so for a hold this is one index probe.
    PERFORM 1 FROM cpf_ticket_counts c
      JOIN (SELECT event_id, buyer_cpf AS cpf FROM orders WHERE id = ANY (p_ids) AND buyer_cpf IS NOT NULL
            UNION
            SELECT event_id, counted_cpf FROM tickets
             WHERE order_id = ANY (p_ids) AND counted_cpf IS NOT NULL AND cancelled_at IS NULL
            UNION
            SELECT w.event_id, u.cpf FROM waitlist_entries w
              JOIN users u ON u.id = w.user_id JOIN events e ON e.id = w.event_id
             WHERE w.sector_id = ANY (v_waitlist_sectors) AND w.status = 'waiting'
               AND e.max_tickets_per_cpf IS NOT NULL AND u.cpf IS NOT NULL) x
        ON c.event_id = x.event_id AND c.cpf = x.cpf
     ORDER BY c.event_id, c.cpf
       FOR UPDATE OF c;
    UPDATE cpf_ticket_counts c
       SET taken = greatest(c.taken - x.quantity, 0)
      FROM (SELECT y.event_id, y.cpf, sum(y.quantity) AS quantity
              FROM (SELECT o.event_id, o.buyer_cpf AS cpf,
                           o.ticket_count - (SELECT count(*) FROM tickets t
                                              WHERE t.order_id = o.id AND t.holder_id IS NOT NULL) AS quantity
                      FROM orders o WHERE o.id = ANY (p_ids) AND o.buyer_cpf IS NOT NULL
                    UNION ALL
                    SELECT event_id, counted_cpf, 1 FROM tickets
                     WHERE order_id = ANY (p_ids) AND counted_cpf IS NOT NULL AND cancelled_at IS NULL) y
             GROUP BY y.event_id, y.cpf) x
     WHERE c.event_id = x.event_id AND c.cpf = x.cpf;
    UPDATE seats SET order_id = NULL WHERE order_id = ANY (p_ids);
    PERFORM 1 FROM price_tiers
     WHERE id IN (SELECT tier_id FROM order_tickets WHERE order_id = ANY (p_ids) AND tier_id IS NOT NULL)
        OR sector_id = ANY (v_waitlist_sectors)
     ORDER BY id
       FOR UPDATE;
    UPDATE price_tiers t
       SET taken = t.taken - x.quantity
      FROM (SELECT tier_id, sum(quantity) AS quantity
              FROM order_tickets WHERE order_id = ANY (p_ids) AND tier_id IS NOT NULL
             GROUP BY tier_id) x
     WHERE t.id = x.tier_id;
    PERFORM 1 FROM products
     WHERE id IN (SELECT product_id FROM order_products WHERE order_id = ANY (p_ids)) AND available IS NOT NULL
     ORDER BY id
       FOR UPDATE;
    UPDATE products p
       SET available = p.available + x.quantity
      FROM (SELECT product_id, sum(quantity) AS quantity
              FROM order_products WHERE order_id = ANY (p_ids)
             GROUP BY product_id) x
     WHERE p.id = x.product_id AND p.available IS NOT NULL;
    -- The hot rows last, as hold_order takes them: the quota, then general places.
    PERFORM 1 FROM sectors
     WHERE id IN (SELECT sector_id FROM order_tickets WHERE order_id = ANY (p_ids) AND counts_to_quota)
        OR id = ANY (v_waitlist_sectors)
     ORDER BY id
       FOR NO KEY UPDATE;
    UPDATE sectors s
       SET half_taken = s.half_taken - x.quantity
      FROM (SELECT sector_id, sum(quantity) AS quantity
              FROM order_tickets WHERE order_id = ANY (p_ids) AND counts_to_quota
             GROUP BY sector_id) x
     WHERE s.id = x.sector_id;
    -- Bucket 0 takes the places back; a sector with people waiting has every bucket locked, in the one
    -- (sector, bucket) order, so its offers can count and take every free place of it.
    PERFORM 1 FROM sector_buckets
     WHERE (bucket = 0
            AND sector_id IN (SELECT sector_id FROM order_tickets WHERE order_id = ANY (p_ids) AND seat_id IS NULL))
        OR sector_id = ANY (v_waitlist_sectors)
     ORDER BY sector_id, bucket
       FOR NO KEY UPDATE;
    UPDATE sector_buckets b
       SET available = b.available + x.quantity
      FROM (SELECT sector_id, sum(quantity) AS quantity
              FROM order_tickets WHERE order_id = ANY (p_ids) AND seat_id IS NULL
             GROUP BY sector_id) x
     WHERE b.sector_id = x.sector_id AND b.bucket = 0;
    -- The waiting lists first, before the public sees the places (sector order, as everything above).
    FOREACH v_sector IN ARRAY COALESCE(v_waitlist_sectors, '{}')
    LOOP
        PERFORM offer_returned_places(v_sector);
    END LOOP;
END
$$;
