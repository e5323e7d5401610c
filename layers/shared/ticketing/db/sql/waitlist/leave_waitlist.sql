-- DELETE /waitlist/{id} by its buyer: a waiting entry is cancelled; an offered one too, and its order is
-- let go (its places go on to the next entry). 404 for anyone else's entry; 409 invalid-state once the entry
-- is converted, lapsed or already cancelled.
-- Lock order: the offer's order first (as every order path locks its order first), then the entry.
CREATE OR REPLACE FUNCTION leave_waitlist(p_entry uuid, p_user_sub text) RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    v_entry waitlist_entries%ROWTYPE;
    v_order orders%ROWTYPE;
BEGIN
    SELECT * INTO v_entry FROM waitlist_entries WHERE id = p_entry;
    PERFORM require_buyer_owns(v_entry.user_id, p_user_sub, 'No such waiting-list entry');
    IF v_entry.status = 'waiting' THEN
        UPDATE waitlist_entries SET status = 'cancelled', updated_at = now()
         WHERE id = p_entry AND status = 'waiting';
        IF FOUND THEN
            RETURN;
        END IF;
        -- an offer came meanwhile: read it again
        SELECT * INTO v_entry FROM waitlist_entries WHERE id = p_entry;
    END IF;
    IF v_entry.status = 'offered' THEN
        SELECT * INTO v_order FROM orders WHERE id = v_entry.order_id FOR UPDATE;
        SELECT * INTO v_entry FROM waitlist_entries WHERE id = p_entry FOR UPDATE;
    END IF;
    IF v_entry.status <> 'offered' OR v_order.status NOT IN ('reserved', 'awaiting_payment')
       OR v_order.expires_at <= now() THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = format('This entry is %s and can no longer be left',
            CASE WHEN v_entry.status = 'offered' AND v_order.status = 'paid' THEN 'converted'
                 WHEN v_entry.status = 'offered' THEN 'lapsed'
                 ELSE v_entry.status END);
    END IF;
    UPDATE waitlist_entries SET status = 'cancelled', updated_at = now() WHERE id = p_entry;
    PERFORM release_orders(ARRAY[v_order.id], 'cancelled');
END
$$;
