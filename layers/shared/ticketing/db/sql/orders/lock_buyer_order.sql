-- The buyer's own order, locked for a change (cancel, withdraw...); not-found when it is not theirs.
CREATE OR REPLACE FUNCTION lock_buyer_order(p_order uuid, p_user_sub text) RETURNS orders
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
    RETURN v_order;
END
$$;
