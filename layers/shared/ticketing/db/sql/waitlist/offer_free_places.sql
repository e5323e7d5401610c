-- Offer a sector's free places to its waiting list outside a release: right after a join (a release that
-- committed while the buyer joined may have freed places nobody was waiting for yet), and from the expiry
-- job's sweep of sectors where people wait while places are free. Locks what an offer needs in the order
-- release_orders takes it (the waiting buyers' CPF counters, the tiers, the sector row, its buckets), then
-- offers as a release does. Returns how many offers were made.
CREATE OR REPLACE FUNCTION offer_free_places(p_sector uuid) RETURNS int
    LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO cpf_ticket_counts (event_id, cpf, taken)
    SELECT DISTINCT w.event_id, u.cpf, 0
      FROM waitlist_entries w JOIN users u ON u.id = w.user_id JOIN events e ON e.id = w.event_id
     WHERE w.sector_id = p_sector AND w.status = 'waiting'
       AND e.max_tickets_per_cpf IS NOT NULL AND u.cpf IS NOT NULL
     ORDER BY w.event_id, u.cpf
    ON CONFLICT (event_id, cpf) DO NOTHING;
    PERFORM 1 FROM cpf_ticket_counts c
      JOIN (SELECT DISTINCT w.event_id, u.cpf FROM waitlist_entries w JOIN users u ON u.id = w.user_id
             WHERE w.sector_id = p_sector AND w.status = 'waiting' AND u.cpf IS NOT NULL) x
        ON c.event_id = x.event_id AND c.cpf = x.cpf
     ORDER BY c.event_id, c.cpf
       FOR UPDATE OF c;
    PERFORM 1 FROM price_tiers WHERE sector_id = p_sector ORDER BY id FOR UPDATE;
    PERFORM 1 FROM sectors WHERE id = p_sector FOR NO KEY UPDATE;
    PERFORM 1 FROM sector_buckets WHERE sector_id = p_sector ORDER BY bucket FOR NO KEY UPDATE;
    RETURN offer_returned_places(p_sector);
END
$$;
