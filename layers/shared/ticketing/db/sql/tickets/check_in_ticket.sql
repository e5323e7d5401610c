-- POST /checkins: the first scan of a valid ticket wins, atomically; every other answer says why not.
-- The conditional UPDATE is the decision: 100 concurrent scans of one code find one row with
-- checked_in_at IS NULL, and a refund (which sets cancelled_at on the ticket row) cannot slip between.
CREATE OR REPLACE FUNCTION check_in_ticket(p_code text, p_user_sub text, p_event uuid) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_ticket uuid;
    v_found record;
BEGIN
    UPDATE tickets t
       SET checked_in_at = now()
      FROM orders o, events e
     WHERE t.code = p_code
       AND t.checked_in_at IS NULL
       AND t.cancelled_at IS NULL
       AND (p_event IS NULL OR t.event_id = p_event)
       AND o.id = t.order_id AND o.status = 'paid'
       AND e.id = t.event_id
       AND e.organizer_id = (SELECT id FROM users WHERE cognito_sub = p_user_sub)
    RETURNING t.id INTO v_ticket;
    IF FOUND THEN
        RETURN ticket_document(v_ticket);
    END IF;

    SELECT t.id, t.event_id, t.checked_in_at, t.cancelled_at, o.status AS order_status INTO v_found
      FROM tickets t
      JOIN orders o ON o.id = t.order_id
      JOIN events e ON e.id = t.event_id
     WHERE t.code = p_code
       AND e.organizer_id = (SELECT id FROM users WHERE cognito_sub = p_user_sub);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No ticket with this code';
    END IF;
    IF p_event IS NOT NULL AND p_event <> v_found.event_id THEN
        RAISE EXCEPTION 'wrong-event' USING DETAIL = 'This ticket is for another event';
    END IF;
    IF v_found.cancelled_at IS NOT NULL OR v_found.order_status <> 'paid' THEN
        RAISE EXCEPTION 'invalid-state'
            USING DETAIL = format('This ticket is not valid: its order is %s', v_found.order_status);
    END IF;
    -- HINT: the problem's extra members (the door shows when the ticket was scanned).
    RAISE EXCEPTION 'already-checked-in'
        USING DETAIL = format('This ticket was checked in at %s', iso_utc(v_found.checked_in_at)),
              HINT = jsonb_build_object('checked_in_at', iso_utc(v_found.checked_in_at))::text;
END
$$;
