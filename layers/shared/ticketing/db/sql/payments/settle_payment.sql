-- POST /payments/webhook: what the provider says happened to a payment. Duplicates and news arriving out
-- of order are harmless: once money is accounted for (approved, refund_due, refunded) nothing changes.
-- An approval pays the order only when it is for the order's latest payment, for the order's total now, and
-- the event is not cancelled (issue 14); any other money becomes refund_due with its reason.
-- Returns {payment_id, order_id, status, order_status, outbox}.
CREATE OR REPLACE FUNCTION settle_payment(p_payment uuid, p_status text) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_order_id uuid;
    v_order orders%ROWTYPE;
    v_payment payments%ROWTYPE;
    v_outbox boolean := false;
    v_latest uuid;
    v_event_status text;
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
        -- Checked in this order: the event, the order already paid, the latest payment, the amount.
        SELECT id INTO v_latest FROM payments WHERE order_id = v_order.id
         ORDER BY created_at DESC, id DESC LIMIT 1;
        SELECT status INTO v_event_status FROM events WHERE id = v_order.event_id;
        IF v_event_status = 'cancelled' THEN
            -- Refunded with the cancellation's other refunds (refund_cancelled_events); a live hold goes now
            -- (cancelled), a hold that had already lapsed stays what it is (expired).
            IF v_order.status IN ('reserved', 'awaiting_payment') THEN
                PERFORM release_orders(ARRAY[v_order.id],
                                       CASE WHEN v_order.expires_at <= now() THEN 'expired' ELSE 'cancelled' END);
            END IF;
            PERFORM mark_refund_due(p_payment, 'event-cancelled');
            UPDATE event_cancellations SET finished_at = NULL WHERE event_id = v_order.event_id;
        ELSIF v_order.status = 'paid' THEN
            -- Another payment already paid this order: this money goes back.
            PERFORM mark_refund_due(p_payment, 'already-paid');
        ELSIF p_payment <> v_latest THEN
            PERFORM mark_refund_due(p_payment, 'not-latest-payment');
        ELSIF v_payment.amount_cents <> v_order.total_cents THEN
            PERFORM mark_refund_due(p_payment, 'amount-mismatch');
        ELSIF v_order.status IN ('reserved', 'awaiting_payment') AND v_order.expires_at > now() THEN
            UPDATE payments SET status = 'expired', decided_at = now(), updated_at = now()
             WHERE order_id = v_order.id AND status = 'pending' AND id <> p_payment;
            UPDATE payments SET status = 'approved', decided_at = now(), updated_at = now() WHERE id = p_payment;
            PERFORM mark_order_paid(v_order.id);
        ELSE
            -- A late approval (the hold expired): take every place back if all are still free.
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
        END IF;
        v_outbox := true;
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
