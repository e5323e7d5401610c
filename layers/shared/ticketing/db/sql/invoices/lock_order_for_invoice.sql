-- Lock the order about to be invoiced; says whether it may be invoiced and whether it already is.
-- The order lock comes first, as in every other path that touches an order (payments, refunds).
CREATE OR REPLACE FUNCTION lock_order_for_invoice(p_order uuid) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_order orders%ROWTYPE;
BEGIN
    SELECT * INTO v_order FROM orders WHERE id = p_order FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN jsonb_build_object(
        'status', v_order.status,
        'invoice_id', (SELECT id FROM invoices WHERE order_id = p_order));
END
$$;
