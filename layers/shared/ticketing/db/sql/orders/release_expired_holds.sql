-- The expiration job: one batch of stale holds, skipping rows another worker has locked.
CREATE OR REPLACE FUNCTION release_expired_holds(p_limit int) RETURNS int
    LANGUAGE plpgsql
AS $$
DECLARE
    v_ids uuid[];
BEGIN
    SELECT array_agg(id) INTO v_ids
      FROM (SELECT id FROM orders
             WHERE status IN ('reserved', 'awaiting_payment') AND expires_at <= now()
             ORDER BY expires_at
             LIMIT p_limit
               FOR UPDATE SKIP LOCKED) stale;
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM release_orders(v_ids, 'expired');
    RETURN cardinality(v_ids);
END
$$;
