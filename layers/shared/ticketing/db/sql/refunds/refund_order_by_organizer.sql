-- POST /orders/{id}/refund: the event's organizer refunds (anyone else: 404).
CREATE OR REPLACE FUNCTION refund_order_by_organizer(p_order uuid, p_user_sub text) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM 1 FROM orders o JOIN events e ON e.id = o.event_id
     WHERE o.id = p_order AND e.organizer_id = (SELECT id FROM users WHERE cognito_sub = p_user_sub);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No such order';
    END IF;
    RETURN refund_order(p_order, 'refunded-by-organizer');
END
$$;
