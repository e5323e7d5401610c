-- POST /orders/{id}/cancel by its buyer.
CREATE OR REPLACE FUNCTION cancel_order(p_order uuid, p_user_sub text) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_order orders%ROWTYPE;
BEGIN
    v_order := lock_buyer_order(p_order, p_user_sub);
    IF v_order.status NOT IN ('reserved', 'awaiting_payment') OR v_order.expires_at <= now() THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = format('An order that is %s cannot be cancelled',
            CASE WHEN v_order.status IN ('reserved', 'awaiting_payment') THEN 'expired' ELSE v_order.status END);
    END IF;
    PERFORM release_orders(ARRAY[v_order.id], 'cancelled');
    RETURN order_document(v_order.id);
END
$$;
