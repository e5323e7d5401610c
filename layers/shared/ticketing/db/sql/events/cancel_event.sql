-- PATCH /events/{id} {status: cancelled} by its organizer: from this statement on, no hold or payment is
-- accepted; refunds happen in the background (refund_cancelled_events). Cancelling twice changes nothing.
CREATE OR REPLACE FUNCTION cancel_event(p_event uuid, p_user_sub text) RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    v_event events%ROWTYPE;
BEGIN
    SELECT * INTO v_event FROM events
     WHERE id = p_event AND organizer_id = (SELECT id FROM users WHERE cognito_sub = p_user_sub)
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No such event';
    END IF;
    IF v_event.status = 'cancelled' THEN
        RETURN;
    END IF;
    UPDATE events SET status = 'cancelled', updated_at = now() WHERE id = p_event;
    INSERT INTO event_cancellations (event_id, paid_orders)
    SELECT p_event, count(*) FROM orders WHERE event_id = p_event AND status = 'paid';
    -- Nobody waits for places of a cancelled event (issue 18); an offer's hold is released with the others.
    UPDATE waitlist_entries SET status = 'cancelled', updated_at = now()
     WHERE event_id = p_event AND status = 'waiting';
END
$$;
