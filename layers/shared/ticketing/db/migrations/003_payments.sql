-- Payments (card, PIX, boleto), the paid-order outbox, and the order functions that payments change.
-- Same conventions as 002: one SQL function per atomic decision; problems are raised with
-- MESSAGE = the problem name, DETAIL = text for people, HINT = the request field when it is one.

-- The deadline of the hold itself. `expires_at` moves to a pending payment's deadline while the order
-- awaits payment; a declined payment puts the order back on this one.
ALTER TABLE orders ADD COLUMN hold_expires_at timestamptz;
UPDATE orders SET hold_expires_at = expires_at;

CREATE TABLE payments (
    id                uuid PRIMARY KEY,
    order_id          uuid NOT NULL REFERENCES orders (id),
    method            text NOT NULL CHECK (method IN ('pix', 'card', 'boleto')),
    status            text NOT NULL
                      CHECK (status IN ('pending', 'approved', 'declined', 'expired', 'refund_due', 'refunded')),
    amount_cents      int NOT NULL CHECK (amount_cents > 0),
    installments      int NOT NULL DEFAULT 1 CHECK (installments BETWEEN 1 AND 12),
    installment_cents int NOT NULL CHECK (installment_cents > 0),
    -- Of a card only the brand and the last four digits are ever kept (PCI DSS: no PAN, no CVV).
    card_brand        text,
    card_last4        char(4) CHECK (card_last4 ~ '^[0-9]{4}$'),
    pix_txid          text UNIQUE CHECK (pix_txid ~ '^[A-Za-z0-9]{1,25}$'),
    pix_copy_paste    text,
    boleto_line       char(47) CHECK (boleto_line ~ '^[0-9]{47}$'),
    boleto_barcode    char(44) CHECK (boleto_barcode ~ '^[0-9]{44}$'),
    due_date          date,
    expires_at        timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    decided_at        timestamptz,
    CHECK (method = 'card' OR (card_brand IS NULL AND card_last4 IS NULL AND installments = 1)),
    CHECK (method = 'pix' OR (pix_txid IS NULL AND pix_copy_paste IS NULL)),
    CHECK (method = 'boleto' OR (boleto_line IS NULL AND boleto_barcode IS NULL AND due_date IS NULL))
);
CREATE INDEX payments_by_order ON payments (order_id, created_at DESC, id DESC);
-- At most one payment of an order may be waiting for the provider.
CREATE UNIQUE INDEX payments_one_pending_per_order ON payments (order_id) WHERE status = 'pending';

-- Messages to send after the commit that decided them (transactional outbox).
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('paid-order', 'email')),
    aggregate_id uuid NOT NULL,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    attempts     int NOT NULL DEFAULT 0,
    last_error   text
);
-- One paid-order message per order, however many approvals arrive.
CREATE UNIQUE INDEX outbox_one_paid_order ON outbox (kind, aggregate_id) WHERE kind = 'paid-order';
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- The payment as the API shows it. A pending payment whose deadline passed reads as expired.
CREATE FUNCTION payment_document(p_payment uuid) RETURNS jsonb
    LANGUAGE sql STABLE
AS $$
    SELECT jsonb_build_object(
               'id', y.id,
               'order_id', y.order_id,
               'method', y.method,
               'status', CASE WHEN y.status = 'pending' AND y.expires_at <= now() THEN 'expired' ELSE y.status END,
               'amount_cents', y.amount_cents,
               'expires_at', iso_utc(y.expires_at),
               'installments', y.installments,
               'installment_cents', y.installment_cents,
               'created_at', iso_utc(y.created_at),
               'decided_at', iso_utc(y.decided_at))
           || jsonb_strip_nulls(jsonb_build_object(
               'card_brand', y.card_brand,
               'card_last4', y.card_last4,
               'pix_copy_paste', y.pix_copy_paste,
               'boleto_line', y.boleto_line,
               'boleto_barcode', y.boleto_barcode,
               'due_date', to_char(y.due_date, 'YYYY-MM-DD')))
      FROM payments y
     WHERE y.id = p_payment
$$;

-- The order as the API shows it (as in 002), now with its latest payment (refund_due shows there).
CREATE OR REPLACE FUNCTION order_document(p_order uuid) RETURNS jsonb
    LANGUAGE sql STABLE
AS $$
    SELECT jsonb_build_object(
        'id', o.id,
        'event_id', o.event_id,
        'status', CASE WHEN o.status IN ('reserved', 'awaiting_payment') AND o.expires_at <= now()
                       THEN 'expired' ELSE o.status END,
        'expires_at', iso_utc(o.expires_at),
        'created_at', iso_utc(o.created_at),
        'paid_at', iso_utc(o.paid_at),
        'ticket_count', o.ticket_count,
        'tickets', COALESCE((
            SELECT jsonb_agg(jsonb_build_object(
                       'sector_id', l.sector_id,
                       'sector', sec.name,
                       'seat_id', l.seat_id,
                       'seat_label', st.label,
                       'quantity', l.quantity,
                       'type', l.type,
                       'half_category', l.half_category,
                       'tier', t.name,
                       'unit_price_cents', l.unit_price_cents,
                       'unit_fee_cents', l.unit_fee_cents) ORDER BY l.position)
              FROM order_tickets l
              JOIN sectors sec ON sec.id = l.sector_id
              LEFT JOIN seats st ON st.id = l.seat_id
              LEFT JOIN price_tiers t ON t.id = l.tier_id
             WHERE l.order_id = o.id), '[]'::jsonb),
        'products', COALESCE((
            SELECT jsonb_agg(jsonb_build_object(
                       'product_id', op.product_id,
                       'name', p.name,
                       'quantity', op.quantity,
                       'unit_price_cents', op.unit_price_cents) ORDER BY p.name, op.product_id)
              FROM order_products op
              JOIN products p ON p.id = op.product_id
             WHERE op.order_id = o.id), '[]'::jsonb),
        'tickets_cents', o.tickets_cents,
        'products_cents', o.products_cents,
        'fee_cents', o.fee_cents,
        'total_cents', o.total_cents,
        'payment', (SELECT payment_document(y.id) FROM payments y
                     WHERE y.order_id = o.id ORDER BY y.created_at DESC, y.id DESC LIMIT 1))
      FROM orders o
     WHERE o.id = p_order
$$;


-- Give back everything the given orders hold or own, and set their status (as in 002); a payment still
-- pending for them expires with them. The caller has locked the orders.
CREATE OR REPLACE FUNCTION release_orders(p_ids uuid[], p_status text) RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE orders SET status = p_status, released_at = now(), updated_at = now() WHERE id = ANY (p_ids);
    UPDATE payments SET status = 'expired', decided_at = now(), updated_at = now()
     WHERE order_id = ANY (p_ids) AND status = 'pending';
    UPDATE seats SET order_id = NULL WHERE order_id = ANY (p_ids);
    UPDATE sector_buckets b
       SET available = b.available + x.quantity
      FROM (SELECT sector_id, sum(quantity) AS quantity
              FROM order_tickets WHERE order_id = ANY (p_ids) AND seat_id IS NULL
             GROUP BY sector_id) x
     WHERE b.sector_id = x.sector_id AND b.bucket = 0;
    UPDATE sectors s
       SET half_taken = s.half_taken - x.quantity
      FROM (SELECT sector_id, sum(quantity) AS quantity
              FROM order_tickets WHERE order_id = ANY (p_ids) AND counts_to_quota
             GROUP BY sector_id) x
     WHERE s.id = x.sector_id;
    UPDATE price_tiers t
       SET taken = t.taken - x.quantity
      FROM (SELECT tier_id, sum(quantity) AS quantity
              FROM order_tickets WHERE order_id = ANY (p_ids) AND tier_id IS NOT NULL
             GROUP BY tier_id) x
     WHERE t.id = x.tier_id;
    UPDATE cpf_ticket_counts c
       SET taken = c.taken - x.quantity
      FROM (SELECT event_id, buyer_cpf, sum(ticket_count) AS quantity
              FROM orders WHERE id = ANY (p_ids) AND buyer_cpf IS NOT NULL
             GROUP BY event_id, buyer_cpf) x
     WHERE c.event_id = x.event_id AND c.cpf = x.buyer_cpf;
    UPDATE products p
       SET available = p.available + x.quantity
      FROM (SELECT product_id, sum(quantity) AS quantity
              FROM order_products WHERE order_id = ANY (p_ids)
             GROUP BY product_id) x
     WHERE p.id = x.product_id AND p.available IS NOT NULL;
END
$$;

-- An order becomes paid, and its paid-order message is queued in the same transaction (once per order).
CREATE FUNCTION mark_order_paid(p_order uuid) RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE orders SET status = 'paid', paid_at = now(), released_at = NULL, updated_at = now()
     WHERE id = p_order;
    INSERT INTO outbox (kind, aggregate_id, payload)
    SELECT 'paid-order', o.id,
           jsonb_build_object('type', 'order.paid', 'order_id', o.id, 'event_id', o.event_id,
                              'paid_at', iso_utc(o.paid_at), 'total_cents', o.total_cents)
      FROM orders o
     WHERE o.id = p_order
    ON CONFLICT (kind, aggregate_id) WHERE kind = 'paid-order' DO NOTHING;
END
$$;

-- Money arrived that cannot buy the order: the payment is to be refunded and the buyer is told by e-mail.
CREATE FUNCTION mark_refund_due(p_payment uuid, p_reason text) RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE payments SET status = 'refund_due', decided_at = now(), updated_at = now() WHERE id = p_payment;
    INSERT INTO outbox (kind, aggregate_id, payload)
    SELECT 'email', y.id,
           jsonb_build_object('template', 'payment-refund-due', 'to', u.email, 'name', u.name,
                              'order_id', o.id, 'payment_id', y.id, 'event_name', e.name,
                              'method', y.method, 'amount_cents', y.amount_cents, 'reason', p_reason)
      FROM payments y
      JOIN orders o ON o.id = y.order_id
      JOIN users u ON u.id = o.user_id
      JOIN events e ON e.id = o.event_id
     WHERE y.id = p_payment;
END
$$;

-- A late approval: take back every place, quota, tier place, add-on and CPF count a released order had,
-- at the prices it was held at, all or nothing. Returns false (and changes nothing) when any is gone.
CREATE FUNCTION retake_order_places(p_order uuid) RETURNS boolean
    LANGUAGE plpgsql
AS $$
DECLARE
    v_order orders%ROWTYPE;
    v_event events%ROWTYPE;
    v_line record;
BEGIN
    SELECT * INTO v_order FROM orders WHERE id = p_order;
    SELECT * INTO v_event FROM events WHERE id = v_order.event_id;
    IF v_order.status <> 'expired' OR v_event.status NOT IN ('on_sale', 'closed') OR v_event.starts_at <= now() THEN
        RETURN false;
    END IF;
    -- Places of other holds that lapsed meanwhile count as free, as they do for a new hold.
    PERFORM release_expired_holds_of_event(v_event.id);
    BEGIN
        IF v_order.buyer_cpf IS NOT NULL THEN
            INSERT INTO cpf_ticket_counts AS c (event_id, cpf, taken)
            VALUES (v_event.id, v_order.buyer_cpf, v_order.ticket_count)
            ON CONFLICT (event_id, cpf) DO UPDATE
               SET taken = c.taken + EXCLUDED.taken
             WHERE v_event.max_tickets_per_cpf IS NULL OR c.taken + EXCLUDED.taken <= v_event.max_tickets_per_cpf;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'limit-exceeded';
            END IF;
        END IF;
        -- Same locking order as hold_order: by sector, general places before seats.
        FOR v_line IN
            SELECT sector_id, seat_id, sum(quantity)::int AS quantity
              FROM order_tickets WHERE order_id = p_order
             GROUP BY sector_id, seat_id
             ORDER BY sector_id, seat_id NULLS FIRST
        LOOP
            IF v_line.seat_id IS NULL THEN
                PERFORM take_general_places(v_line.sector_id, v_line.quantity);
            ELSE
                UPDATE seats SET order_id = p_order WHERE id = v_line.seat_id AND order_id IS NULL;
                IF NOT FOUND THEN
                    RAISE EXCEPTION 'seat-unavailable';
                END IF;
            END IF;
        END LOOP;
        FOR v_line IN
            SELECT sector_id, sum(quantity)::int AS quantity
              FROM order_tickets WHERE order_id = p_order AND counts_to_quota
             GROUP BY sector_id ORDER BY sector_id
        LOOP
            UPDATE sectors SET half_taken = half_taken + v_line.quantity
             WHERE id = v_line.sector_id AND half_taken + v_line.quantity <= half_quota;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'limit-exceeded';
            END IF;
        END LOOP;
        FOR v_line IN
            SELECT tier_id, sum(quantity)::int AS quantity
              FROM order_tickets WHERE order_id = p_order AND tier_id IS NOT NULL
             GROUP BY tier_id ORDER BY tier_id
        LOOP
            UPDATE price_tiers SET taken = taken + v_line.quantity
             WHERE id = v_line.tier_id AND (quantity IS NULL OR taken + v_line.quantity <= quantity);
            IF NOT FOUND THEN
                RAISE EXCEPTION 'sold-out';
            END IF;
        END LOOP;
        FOR v_line IN
            SELECT op.product_id, op.quantity
              FROM order_products op JOIN products p ON p.id = op.product_id
             WHERE op.order_id = p_order AND p.available IS NOT NULL
             ORDER BY op.product_id
        LOOP
            UPDATE products SET available = available - v_line.quantity
             WHERE id = v_line.product_id AND available >= v_line.quantity;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'out-of-stock';
            END IF;
        END LOOP;
        UPDATE orders SET released_at = NULL, updated_at = now() WHERE id = p_order;
    EXCEPTION WHEN raise_exception OR check_violation THEN
        -- Only this block is rolled back: whatever it took so far goes back.
        RETURN false;
    END;
    RETURN true;
END
$$;

-- POST /orders/{id}/payments: decide a payment whose artifacts Python computed.
-- p: {payment_id, order_id, user_sub, idempotency?, method, amount_cents, installments, installment_cents,
--     card_brand?, card_last4?, card_outcome? ('approved'|'declined'), pix_txid?, pix_copy_paste?,
--     boleto_line?, boleto_barcode?, due_date?, expires_at?}
-- Returns {replayed, status, body, outbox}: outbox tells the caller a message waits to be published.
CREATE FUNCTION start_payment(p jsonb) RETURNS jsonb
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
BEGIN
    SELECT * INTO v_user FROM users WHERE cognito_sub = p ->> 'user_sub';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No such order';
    END IF;
    v_replay := claim_idempotency_key(v_user.id, p -> 'idempotency');
    IF v_replay IS NOT NULL THEN
        RETURN v_replay || jsonb_build_object('outbox', false);
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
    IF (p ->> 'amount_cents')::int <> v_order.total_cents THEN
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
                          card_brand, card_last4, pix_txid, pix_copy_paste, boleto_line, boleto_barcode,
                          due_date, expires_at, decided_at)
    VALUES (v_payment, v_order.id, v_method, v_status, v_order.total_cents,
            COALESCE((p ->> 'installments')::int, 1), COALESCE((p ->> 'installment_cents')::int, v_order.total_cents),
            p ->> 'card_brand', p ->> 'card_last4', p ->> 'pix_txid', p ->> 'pix_copy_paste',
            p ->> 'boleto_line', p ->> 'boleto_barcode', (p ->> 'due_date')::date,
            CASE WHEN v_method = 'card' THEN NULL ELSE v_expires END,
            CASE WHEN v_status = 'pending' THEN NULL ELSE now() END);

    IF v_status = 'approved' THEN
        PERFORM mark_order_paid(v_order.id);
        v_outbox := true;
    ELSIF v_status = 'pending' THEN
        -- The holds now last as long as the payment may still arrive.
        UPDATE orders SET status = 'awaiting_payment', expires_at = v_expires, updated_at = now()
         WHERE id = v_order.id;
    END IF;
    v_doc := payment_document(v_payment);
    PERFORM remember_idempotency_key(v_user.id, p -> 'idempotency', 201, v_doc);
    RETURN jsonb_build_object('replayed', false, 'status', 201, 'body', v_doc, 'outbox', v_outbox);
END
$$;

-- POST /payments/webhook: what the provider says happened to a payment. Duplicates and news arriving out
-- of order are harmless: once money is accounted for (approved, refund_due, refunded) nothing changes.
-- Returns {payment_id, order_id, status, order_status, outbox}.
CREATE FUNCTION settle_payment(p_payment uuid, p_status text) RETURNS jsonb
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

-- hold_order sets hold_expires_at too: see 006_faster_hold.sql, which replaces it.

