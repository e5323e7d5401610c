-- POST /orders/{id}/cancel by its buyer.
CREATE OR REPLACE FUNCTION cancel_order(p_order uuid, p_user_sub text) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_order orders%ROWTYPE;
BEGIN
    SELECT o.* INTO v_order FROM orders o JOIN users u ON u.id = o.user_id
     WHERE o.id = p_order AND u.cognito_sub = p_user_sub
       FOR UPDATE OF o;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No such order';
    END IF;
    IF v_order.status NOT IN ('reserved', 'awaiting_payment') OR v_order.expires_at <= now() THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = format('An order that is %s cannot be cancelled',
            CASE WHEN v_order.status IN ('reserved', 'awaiting_payment') THEN 'expired' ELSE v_order.status END);
    END IF;
    PERFORM release_orders(ARRAY[v_order.id], 'cancelled');
    RETURN order_document(v_order.id);
END
$$;
