-- Issue 18: places of a sector that came back go to its waiting list first, in join order. Called by
-- release_orders in the transaction that gave the places back, once they are back.
--
-- Each waiting entry, in join order, that the free places fit gets an order in `reserved` for its buyer (the
-- event's hold_minutes to pay, `waitlist_offer`: outside the per-account cap on unpaid places) and an e-mail
-- through the outbox; an entry that does not fit (too many places, no half-price quota left, over its
-- buyer's per-CPF limit) is skipped and keeps its place in line. What nobody takes stays on public sale.
--
-- Locks: the caller (release_orders) already holds, in the one lock order, the CPF counters of the waiting
-- buyers, the sector's price tiers, the sector row and every bucket of a general sector, so nothing here
-- waits behind a hold that waits for us. Free seats and entries are taken SKIP LOCKED: a seat
-- another transaction is taking, or an entry its buyer is leaving, is simply not offered now.
-- Returns how many offers were made.
CREATE OR REPLACE FUNCTION offer_returned_places(p_sector uuid) RETURNS int
    LANGUAGE plpgsql
AS $$
DECLARE
    v_sector sectors%ROWTYPE;
    v_event events%ROWTYPE;
    v_entry waitlist_entries%ROWTYPE;
    v_user users%ROWTYPE;
    v_free int;
    v_seats uuid[];
    v_order uuid;
    v_offers int := 0;
BEGIN
    SELECT * INTO v_sector FROM sectors WHERE id = p_sector FOR NO KEY UPDATE;
    SELECT * INTO v_event FROM events WHERE id = v_sector.event_id;
    IF v_event.status <> 'on_sale' OR v_event.starts_at <= now() THEN
        RETURN 0;  -- nothing is sold any more: nothing to offer
    END IF;
    IF v_sector.kind = 'general' THEN
        SELECT COALESCE(sum(available), 0) INTO v_free FROM sector_buckets WHERE sector_id = p_sector;
    END IF;
    FOR v_entry IN
        SELECT * FROM waitlist_entries
         WHERE sector_id = p_sector AND status = 'waiting'
         ORDER BY seq
           FOR UPDATE SKIP LOCKED
    LOOP
        IF v_sector.kind = 'general' THEN
            EXIT WHEN v_free <= 0;
            CONTINUE WHEN v_entry.quantity > v_free;
            v_seats := NULL;
        ELSE
            v_seats := pick_offered_seats(p_sector, v_entry.quantity);
            CONTINUE WHEN v_seats IS NULL;
        END IF;
        CONTINUE WHEN v_entry.counts_to_quota AND v_sector.half_taken + v_entry.quantity > v_sector.half_quota;
        SELECT * INTO v_user FROM users WHERE id = v_entry.user_id;
        IF v_event.max_tickets_per_cpf IS NOT NULL AND v_user.cpf IS NOT NULL THEN
            CONTINUE WHEN v_entry.quantity > v_event.max_tickets_per_cpf;
            INSERT INTO cpf_ticket_counts AS c (event_id, cpf, taken)
            VALUES (v_event.id, v_user.cpf, v_entry.quantity)
            ON CONFLICT (event_id, cpf) DO UPDATE
               SET taken = c.taken + EXCLUDED.taken
             WHERE c.taken + EXCLUDED.taken <= v_event.max_tickets_per_cpf;
            CONTINUE WHEN NOT FOUND;
        END IF;

        v_order := make_offer_order(v_event, v_sector, v_user, v_entry, v_seats);

        IF v_entry.counts_to_quota THEN
            UPDATE sectors SET half_taken = half_taken + v_entry.quantity WHERE id = p_sector
            RETURNING * INTO v_sector;
        END IF;
        IF v_sector.kind = 'general' THEN
            -- taken across the buckets in bucket order (all locked by the caller)
            UPDATE sector_buckets b
               SET available = b.available - x.take
              FROM (SELECT bucket, least(available, greatest(0, v_entry.quantity - before)) AS take
                      FROM (SELECT bucket, available,
                                   COALESCE(sum(available) OVER (ORDER BY bucket ROWS BETWEEN UNBOUNDED PRECEDING
                                                                                     AND 1 PRECEDING), 0) AS before
                              FROM sector_buckets WHERE sector_id = p_sector) running) x
             WHERE b.sector_id = p_sector AND b.bucket = x.bucket AND x.take > 0;
            v_free := v_free - v_entry.quantity;
        END IF;
        UPDATE waitlist_entries
           SET status = 'offered', order_id = v_order, offered_at = now(), updated_at = now()
         WHERE id = v_entry.id;
        v_offers := v_offers + 1;
    END LOOP;
    RETURN v_offers;
END
$$;
