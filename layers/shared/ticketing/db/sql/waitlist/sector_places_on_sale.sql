-- The places of a sector the public can buy now: free general places or free seats, plus those of lapsed
-- holds not yet released (lazy expiry) unless people wait for the sector (those go to the waiting list).
-- The catalog's `available` counts the same way (db/catalog.py).
CREATE OR REPLACE FUNCTION sector_places_on_sale(p_sector sectors) RETURNS int
    LANGUAGE sql STABLE
AS $$
    SELECT (CASE WHEN p_sector.kind = 'general'
                 THEN (SELECT COALESCE(sum(b.available), 0) FROM sector_buckets b WHERE b.sector_id = p_sector.id)
                 ELSE (SELECT count(*) FROM seats x WHERE x.sector_id = p_sector.id AND x.order_id IS NULL)
            END
            + CASE WHEN EXISTS (SELECT 1 FROM waitlist_entries w
                                 WHERE w.sector_id = p_sector.id AND w.status = 'waiting') THEN 0
                   ELSE (SELECT COALESCE(sum(l.quantity), 0) FROM order_tickets l JOIN orders o ON o.id = l.order_id
                          WHERE l.sector_id = p_sector.id AND o.status IN ('reserved', 'awaiting_payment')
                            AND o.expires_at <= now())
              END)::int
$$;
