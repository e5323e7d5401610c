-- POST /orders/{id}/payments: decide a payment whose artifacts Python computed.
-- p: {payment_id, order_id, user_sub, idempotency?, method, amount_cents, installments, installment_cents,
--     card_brand?, card_last4?, card_outcome? ('approved'|'declined'), pix_txid?, pix_copy_paste?, pix_location?,
--     boleto_line?, boleto_barcode?, due_date?, expires_at?}
-- Returns {replayed, payment, outbox}: the payment as payment_document() shows it (for a repeated
-- Idempotency-Key, the payment the first request made); outbox tells the caller a message waits to be published.
CREATE OR REPLACE FUNCTION start_payment(p jsonb) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_user users%ROWTYPE;
    v_order orders%ROWTYPE;
    v_replay jsonb;
    v_payment uuid := (p ->> 'payment_id')::uuid;
    v_method text := p ->> 'method';
    v_status text;
    v_expires timestamptz := (p ->> 'expires_at')::timestamptz;
    v_doc jsonb;
    v_outbox boolean := false;
    v_refusal text;
BEGIN
    v_user := user_by_sub(p ->> 'user_sub', 'not-found', 'No such order');
    v_replay := claim_idempotency_key(v_user.id, p -> 'idempotency');
    IF v_replay IS NOT NULL THEN
        RETURN jsonb_build_object('replayed', true, 'payment', v_replay, 'outbox', false);
    END IF;

    SELECT * INTO v_order FROM orders
     WHERE id = (p ->> 'order_id')::uuid AND user_id = v_user.id
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No such order';
    END IF;
    IF v_order.status IN ('reserved', 'awaiting_payment') AND v_order.expires_at <= now() THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = 'The hold on this order has expired';
    END IF;
    IF v_order.status = 'awaiting_payment' THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = 'A payment of this order is already pending';
    END IF;
    IF v_order.status <> 'reserved' THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = format('An order that is %s cannot be paid', v_order.status);
    END IF;
    IF EXISTS (SELECT 1 FROM events WHERE id = v_order.event_id AND (status = 'cancelled' OR starts_at <= now())) THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = 'The event was cancelled or has already started';
    END IF;
    -- No boleto close to the event (issue 14): a boleto holds places for days.
    IF v_method = 'boleto' THEN
        v_refusal := boleto_refusal(v_order.event_id);
        IF v_refusal IS NOT NULL THEN
            RAISE EXCEPTION 'invalid-state' USING DETAIL = v_refusal;
        END IF;
    END IF;
    IF (p ->> 'amount_cents')::bigint <> v_order.total_cents THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = 'The order total changed meanwhile; read the order and pay again';
    END IF;

    IF v_method = 'card' THEN
        v_status := p ->> 'card_outcome';
    ELSE
        v_status := 'pending';
        IF v_expires IS NULL OR v_expires <= now() THEN
            RAISE EXCEPTION 'invalid-state' USING DETAIL = 'Too late for this payment method';
        END IF;
    END IF;
    INSERT INTO payments (id, order_id, method, status, amount_cents, installments, installment_cents,
                          card_brand, card_last4, pix_txid, pix_copy_paste, pix_location, boleto_line,
                          boleto_barcode, due_date, expires_at, decided_at, created_at)
    VALUES (v_payment, v_order.id, v_method, v_status, v_order.total_cents,
            COALESCE((p ->> 'installments')::int, 1), COALESCE((p ->> 'installment_cents')::bigint, v_order.total_cents),
            p ->> 'card_brand', p ->> 'card_last4', p ->> 'pix_txid', p ->> 'pix_copy_paste',
            p ->> 'pix_location', p ->> 'boleto_line', p ->> 'boleto_barcode', (p ->> 'due_date')::date,
            CASE WHEN v_method = 'card' THEN NULL ELSE v_expires END,
            CASE WHEN v_status = 'pending' THEN NULL ELSE now() END,
            -- the moment of insertion (not of the transaction's start), so the order's latest payment is the
            -- last one inserted under the order's lock (mark_order_paid, settle_payment)
            clock_timestamp());

    IF v_status = 'approved' THEN
        PERFORM mark_order_paid(v_order.id);
        v_outbox := true;
    ELSIF v_status = 'pending' THEN
        -- The holds now last as long as the payment may still arrive.
        UPDATE orders SET status = 'awaiting_payment', expires_at = v_expires, updated_at = now()
         WHERE id = v_order.id;
    END IF;
    v_doc := payment_document(v_payment);
    PERFORM remember_idempotency_key(v_user.id, p -> 'idempotency', v_doc);
    RETURN jsonb_build_object('replayed', false, 'payment', v_doc, 'outbox', v_outbox);
END
$$;
