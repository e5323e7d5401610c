-- The buyer's own order, read without a lock (lock_buyer_order locks it); not-found when it is not theirs.
CREATE OR REPLACE FUNCTION buyer_order(p_order uuid, p_user_sub text) RETURNS orders
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_order orders%ROWTYPE;
BEGIN
    SELECT * INTO v_order FROM orders WHERE id = p_order;
    PERFORM require_buyer_owns(v_order.user_id, p_user_sub, 'No such order');
    RETURN v_order;
END
$$;
