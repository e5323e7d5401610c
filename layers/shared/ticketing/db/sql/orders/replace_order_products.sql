-- PUT /orders/{id}/products: replace the add-ons of a reserved order.
-- Changing add-ons first releases the event's lapsed holds, as a new hold does: their stock reads as
-- available in the catalog, so it must be takeable here too (found by the proof tests' order model).
CREATE OR REPLACE FUNCTION replace_order_products(p_order uuid, p_user_sub text, p_products jsonb) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_order orders%ROWTYPE;
    v_event events%ROWTYPE;
BEGIN
    v_order := buyer_order(p_order, p_user_sub);
    IF v_order.status = 'reserved' AND v_order.expires_at <= now() THEN
        RAISE EXCEPTION 'hold-expired' USING DETAIL = 'The hold on this order has expired';
    END IF;
    -- Before this order is locked, as hold_order does: the release locks the lapsed orders first.
    PERFORM release_expired_holds_of_event(v_order.event_id);
    SELECT * INTO v_order FROM orders WHERE id = p_order FOR UPDATE;
    IF v_order.status = 'reserved' AND v_order.expires_at <= now() THEN
        RAISE EXCEPTION 'hold-expired' USING DETAIL = 'The hold on this order has expired';
    END IF;
    IF v_order.status <> 'reserved' THEN
        RAISE EXCEPTION 'invalid-state'
            USING DETAIL = format('Add-ons can change only while the order is reserved (it is %s)', v_order.status);
    END IF;
    SELECT * INTO v_event FROM events WHERE id = v_order.event_id;
    UPDATE products p
       SET available = p.available + op.quantity
      FROM order_products op
     WHERE op.order_id = v_order.id AND p.id = op.product_id AND p.available IS NOT NULL;
    DELETE FROM order_products WHERE order_id = v_order.id;
    INSERT INTO order_products (order_id, product_id, quantity, unit_price_cents)
    SELECT v_order.id, taken.product_id, taken.quantity, taken.unit_price_cents
      FROM take_products(v_event, p_products) taken;
    PERFORM refresh_order_totals(v_order.id);
    RETURN order_document(v_order.id);
END
$$;
