-- POST /payments/webhook: what the provider says happened to a payment. Duplicates and news arriving out
-- of order are harmless: once money is accounted for (approved, refund_due, refunded) nothing changes.
-- Returns {payment_id, order_id, status, order_status, outbox}.
CREATE OR REPLACE FUNCTION settle_payment(p_payment uuid, p_status text) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_order_id uuid;
    v_order orders%ROWTYPE;
    v_payment payments%ROWTYPE;
    v_outbox boolean := false;
BEGIN
    IF p_status IS NULL OR p_status NOT IN ('approved', 'declined', 'expired') THEN
        RAISE EXCEPTION 'validation' USING DETAIL = 'must be approved, declined or expired', HINT = 'status';
    END IF;
    SELECT order_id INTO v_order_id FROM payments WHERE id = p_payment;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No such payment';
    END IF;
    -- The order first, then the payment: the order every path that touches both takes.
    SELECT * INTO v_order FROM orders WHERE id = v_order_id FOR UPDATE;
    SELECT * INTO v_payment FROM payments WHERE id = p_payment FOR UPDATE;

    IF v_payment.status IN ('approved', 'refund_due', 'refunded') THEN
        NULL;  -- already settled with money: a repeat or a late contrary message changes nothing
    ELSIF p_status = 'approved' THEN
        IF v_order.status IN ('reserved', 'awaiting_payment') AND v_order.expires_at > now() THEN
            UPDATE payments SET status = 'expired', decided_at = now(), updated_at = now()
             WHERE order_id = v_order.id AND status = 'pending' AND id <> p_payment;
            UPDATE payments SET status = 'approved', decided_at = now(), updated_at = now() WHERE id = p_payment;
            PERFORM mark_order_paid(v_order.id);
            v_outbox := true;
        ELSIF v_order.status = 'paid' THEN
            -- Another payment already paid this order: this money goes back.
            PERFORM mark_refund_due(p_payment, 'already-paid');
            v_outbox := true;
        ELSE
            IF v_order.status IN ('reserved', 'awaiting_payment') THEN
                -- Lazily expired: release it first, then try to take everything back as anyone else would.
                PERFORM release_orders(ARRAY[v_order.id], 'expired');
            END IF;
            IF retake_order_places(v_order.id) THEN
                UPDATE payments SET status = 'approved', decided_at = now(), updated_at = now() WHERE id = p_payment;
                PERFORM mark_order_paid(v_order.id);
            ELSE
                PERFORM mark_refund_due(p_payment,
                    CASE WHEN v_order.status IN ('cancelled', 'refunded') THEN 'order-' || v_order.status
                         ELSE 'places-taken' END);
            END IF;
            v_outbox := true;
        END IF;
    ELSIF v_payment.status = 'pending' THEN
        UPDATE payments SET status = p_status, decided_at = now(), updated_at = now() WHERE id = p_payment;
        IF v_order.status = 'awaiting_payment' THEN
            IF p_status = 'declined' AND COALESCE(v_order.hold_expires_at, v_order.expires_at) > now()
               AND v_order.expires_at > now() THEN
                -- The buyer may pay again while the original hold lasts.
                UPDATE orders SET status = 'reserved', expires_at = COALESCE(hold_expires_at, expires_at),
                                  updated_at = now()
                 WHERE id = v_order.id;
            ELSE
                PERFORM release_orders(ARRAY[v_order.id], 'expired');
            END IF;
        END IF;
    END IF;

    RETURN jsonb_build_object(
        'payment_id', p_payment,
        'order_id', v_order_id,
        'status', (SELECT status FROM payments WHERE id = p_payment),
        'order_status', (SELECT status FROM orders WHERE id = v_order_id),
        'outbox', v_outbox);
END
$$;
