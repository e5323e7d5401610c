-- Refund a paid order: the one statement every refund path shares (the organizer's refund, the buyer's
-- withdrawal under CDC art. 49, an event's cancellation). The caller decides who may and when; this
-- decides what a refund is. Order and payment become refunded, places and stock go back on sale, the
-- tickets stop checking in, and the invoice is marked cancelled (its cancellation record is written to S3
-- after the commit). Returns the order document.
CREATE OR REPLACE FUNCTION refund_order(p_order uuid, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_order orders%ROWTYPE;
    v_payment uuid;
BEGIN
    SELECT * INTO v_order FROM orders WHERE id = p_order FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No such order';
    END IF;
    IF v_order.status <> 'paid' THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = format('An order that is %s cannot be refunded',
            CASE WHEN v_order.status IN ('reserved', 'awaiting_payment') AND v_order.expires_at <= now()
                 THEN 'expired' ELSE v_order.status END);
    END IF;
    -- The refund records its reason and time (shown as the payment's `refund`). PIX money goes back as a
    -- devolution at the provider (issue 20): its payment stays refund_due until the provider says DEVOLVIDO.
    UPDATE payments SET status = CASE WHEN pix_e2eid IS NULL THEN 'refunded' ELSE 'refund_due' END,
                        updated_at = now(), refund_reason = p_reason, refund_requested_at = now(),
                        refunded_at = CASE WHEN pix_e2eid IS NULL THEN now() END
     WHERE order_id = p_order AND status = 'approved'
    RETURNING id INTO v_payment;
    IF v_payment IS NOT NULL THEN
        PERFORM refund_payment_money(v_payment, p_reason);
    END IF;
    PERFORM release_orders(ARRAY[p_order], 'refunded');
    UPDATE tickets SET cancelled_at = now() WHERE order_id = p_order AND cancelled_at IS NULL;
    UPDATE invoices SET cancelled_at = now(), cancellation_reason = p_reason
     WHERE order_id = p_order AND cancelled_at IS NULL;
    RETURN order_document(p_order);
END
$$;
