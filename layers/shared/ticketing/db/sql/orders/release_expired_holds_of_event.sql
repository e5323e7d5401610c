-- Lazy expiry inside a hold: stale holds of the event are released before anything is counted. A look
-- without locks comes first: most calls find nothing lapsed and lock nothing.
CREATE OR REPLACE FUNCTION release_expired_holds_of_event(p_event uuid) RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    v_ids uuid[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM orders
                    WHERE status IN ('reserved', 'awaiting_payment') AND expires_at <= now()
                      AND event_id = p_event) THEN
        RETURN;
    END IF;
    SELECT array_agg(id ORDER BY id) INTO v_ids
      FROM (SELECT id FROM orders
             WHERE event_id = p_event AND status IN ('reserved', 'awaiting_payment') AND expires_at <= now()
             ORDER BY id
               FOR UPDATE) stale;
    IF v_ids IS NOT NULL THEN
        PERFORM release_orders(v_ids, 'expired');
    END IF;
END
$$;
