-- A waiting-list entry as the API shows it. An offer whose order lapsed but was not released yet (lazy
-- expiry) already reads `lapsed`; `position` is 1 + the entries ahead still waiting (null once offered).
CREATE OR REPLACE FUNCTION waitlist_entry_document(p_entry uuid) RETURNS jsonb
    LANGUAGE sql STABLE
AS $$
    SELECT jsonb_build_object(
               'id', w.id, 'event_id', w.event_id, 'sector_id', w.sector_id, 'sector', s.name,
               'quantity', w.quantity, 'type', w.type, 'half_category', w.half_category,
               'status', CASE WHEN w.status = 'offered' AND o.status = 'paid' THEN 'converted'
                              WHEN w.status = 'offered' AND (o.status NOT IN ('reserved', 'awaiting_payment')
                                                             OR o.expires_at <= now()) THEN 'lapsed'
                              ELSE w.status END,
               'position', CASE WHEN w.status = 'waiting'
                                THEN 1 + (SELECT count(*) FROM waitlist_entries a
                                           WHERE a.sector_id = w.sector_id AND a.status = 'waiting' AND a.seq < w.seq)
                           END,
               'order_id', w.order_id,
               'offer_expires_at', CASE WHEN w.status = 'offered' THEN iso_utc(o.expires_at) END,
               'joined_at', iso_utc(w.joined_at), 'offered_at', iso_utc(w.offered_at))
      FROM waitlist_entries w
      JOIN sectors s ON s.id = w.sector_id
      LEFT JOIN orders o ON o.id = w.order_id
     WHERE w.id = p_entry
$$;
