-- Lock the order about to be invoiced; says whether it may be invoiced and whether it already is.
-- The order lock comes first, as in every other path that touches an order (payments, refunds).
-- NULL when there is no such order.
CREATE OR REPLACE FUNCTION lock_order_for_invoice(p_order uuid) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM 1 FROM orders WHERE id = p_order FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- A statement of its own, after the lock: its snapshot sees the invoice of whoever held the lock before.
    RETURN (SELECT jsonb_build_object('status', o.status,
                                      'invoice_id', (SELECT id FROM invoices WHERE order_id = o.id))
              FROM orders o
             WHERE o.id = p_order);
END
$$;
