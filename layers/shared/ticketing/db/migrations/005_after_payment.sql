-- After payment: invoices (NF-e style, gapless numbers per series), e-tickets, check-in and refunds.
-- Same conventions as 002/003: one SQL function per atomic decision; problems are raised with
-- MESSAGE = the problem name, DETAIL = text for people.

-- The next number of each invoice series. Taken with UPDATE ... RETURNING in the transaction that inserts
-- the invoice: the row lock orders the issuers, and a rollback gives the number back (no gap).
CREATE TABLE invoice_series (
    series      int PRIMARY KEY CHECK (series BETWEEN 0 AND 999),
    next_number int NOT NULL DEFAULT 1 CHECK (next_number BETWEEN 1 AND 999999999)
);
INSERT INTO invoice_series (series, next_number) VALUES (1, 1);

-- One invoice per order. `document` is the JSON written to S3 (a rewrite puts the very same bytes back);
-- the *_at columns record which after-commit steps are done, so a redelivery or the repair sweep does only
-- what is missing.
CREATE TABLE invoices (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id                uuid NOT NULL UNIQUE REFERENCES orders (id),
    event_id                uuid NOT NULL REFERENCES events (id),
    series                  int NOT NULL REFERENCES invoice_series (series),
    number                  int NOT NULL,
    access_key              char(44) NOT NULL UNIQUE CHECK (access_key ~ '^[0-9]{44}$'),
    issued_at               timestamptz NOT NULL,
    document_key            text NOT NULL,
    document                jsonb NOT NULL,
    written_at              timestamptz,
    tickets_written_at      timestamptz,
    email_claimed_at        timestamptz,
    emailed_at              timestamptz,
    cancelled_at            timestamptz,
    cancellation_reason     text,
    cancellation_written_at timestamptz,
    UNIQUE (series, number)
);
-- What the repair sweep looks for: an invoice with an after-commit step still to do.
CREATE INDEX invoices_unfinished ON invoices (issued_at)
    WHERE written_at IS NULL OR tickets_written_at IS NULL OR (emailed_at IS NULL AND cancelled_at IS NULL)
       OR (cancelled_at IS NOT NULL AND cancellation_written_at IS NULL);

-- One e-ticket per place: a general-admission line of quantity 3 gives places 1, 2 and 3.
-- `code` is what the QR carries: random, at least 128 bits, made by the application.
CREATE TABLE tickets (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id        uuid NOT NULL REFERENCES orders (id),
    order_ticket_id uuid NOT NULL REFERENCES order_tickets (id),
    place           int NOT NULL CHECK (place >= 1),
    event_id        uuid NOT NULL REFERENCES events (id),
    code            text NOT NULL UNIQUE CHECK (length(code) >= 22),
    created_at      timestamptz NOT NULL DEFAULT now(),
    checked_in_at   timestamptz,
    cancelled_at    timestamptz,
    UNIQUE (order_ticket_id, place)
);
CREATE INDEX tickets_by_order ON tickets (order_id);

-- Lock the order about to be invoiced; says whether it may be invoiced and whether it already is.
-- The order lock comes first, as in every other path that touches an order (payments, refunds).
CREATE FUNCTION lock_order_for_invoice(p_order uuid) RETURNS jsonb
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

-- The order's e-tickets, one per place, with the codes given (in line position, then place order).
-- A second call for the same order inserts nothing.
CREATE FUNCTION create_order_tickets(p_order uuid, p_codes text[]) RETURNS int
    LANGUAGE plpgsql
AS $$
DECLARE
    v_count int;
BEGIN
    INSERT INTO tickets (order_id, order_ticket_id, place, event_id, code, cancelled_at)
    SELECT x.order_id, x.line_id, x.place, x.event_id, p_codes[x.n], x.cancelled_at
      FROM (SELECT l.order_id, l.id AS line_id, g.place, o.event_id,
                   -- an order refunded before its tickets were made gets them already cancelled
                   CASE WHEN o.status = 'refunded' THEN o.released_at END AS cancelled_at,
                   row_number() OVER (ORDER BY l.position, g.place) AS n
              FROM order_tickets l
              JOIN orders o ON o.id = l.order_id
             CROSS JOIN LATERAL generate_series(1, l.quantity) AS g(place)
             WHERE l.order_id = p_order) x
    ON CONFLICT (order_ticket_id, place) DO NOTHING;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

-- A ticket as the door and the buyer see it.
CREATE FUNCTION ticket_document(p_ticket uuid) RETURNS jsonb
    LANGUAGE sql STABLE
AS $$
    SELECT jsonb_build_object(
        'ticket_id', t.id,
        'event_id', t.event_id,
        'sector', sec.name,
        'seat_label', st.label,
        'type', l.type,
        'half_category', l.half_category,
        'checked_in_at', iso_utc(t.checked_in_at))
      FROM tickets t
      JOIN order_tickets l ON l.id = t.order_ticket_id
      JOIN sectors sec ON sec.id = l.sector_id
      LEFT JOIN seats st ON st.id = l.seat_id
     WHERE t.id = p_ticket
$$;

-- POST /checkins: the first scan of a valid ticket wins, atomically; every other answer says why not.
-- The conditional UPDATE is the decision: 100 concurrent scans of one code find one row with
-- checked_in_at IS NULL, and a refund (which sets cancelled_at on the ticket row) cannot slip between.
CREATE FUNCTION check_in_ticket(p_code text, p_user_sub text, p_event uuid) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_ticket uuid;
    v_found record;
BEGIN
    UPDATE tickets t
       SET checked_in_at = now()
      FROM orders o, events e
     WHERE t.code = p_code
       AND t.checked_in_at IS NULL
       AND t.cancelled_at IS NULL
       AND (p_event IS NULL OR t.event_id = p_event)
       AND o.id = t.order_id AND o.status = 'paid'
       AND e.id = t.event_id
       AND e.organizer_id = (SELECT id FROM users WHERE cognito_sub = p_user_sub)
    RETURNING t.id INTO v_ticket;
    IF FOUND THEN
        RETURN ticket_document(v_ticket);
    END IF;

    SELECT t.id, t.event_id, t.checked_in_at, t.cancelled_at, o.status AS order_status INTO v_found
      FROM tickets t
      JOIN orders o ON o.id = t.order_id
      JOIN events e ON e.id = t.event_id
     WHERE t.code = p_code
       AND e.organizer_id = (SELECT id FROM users WHERE cognito_sub = p_user_sub);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No ticket with this code';
    END IF;
    IF p_event IS NOT NULL AND p_event <> v_found.event_id THEN
        RAISE EXCEPTION 'wrong-event' USING DETAIL = 'This ticket is for another event';
    END IF;
    IF v_found.cancelled_at IS NOT NULL OR v_found.order_status <> 'paid' THEN
        RAISE EXCEPTION 'invalid-state'
            USING DETAIL = format('This ticket is not valid: its order is %s', v_found.order_status);
    END IF;
    RAISE EXCEPTION 'already-checked-in'
        USING DETAIL = format('This ticket was checked in at %s', iso_utc(v_found.checked_in_at));
END
$$;

-- Refund a paid order: the one statement every refund path shares (the organizer's refund, the buyer's
-- withdrawal under CDC art. 49, an event's cancellation). The caller decides who may and when; this
-- decides what a refund is. Order and payment become refunded, places and stock go back on sale, the
-- tickets stop checking in, and the invoice is marked cancelled (its cancellation record is written to S3
-- after the commit). Returns the order document.
CREATE FUNCTION refund_order(p_order uuid, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_order orders%ROWTYPE;
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
    UPDATE payments SET status = 'refunded', updated_at = now()
     WHERE order_id = p_order AND status = 'approved';
    PERFORM release_orders(ARRAY[p_order], 'refunded');
    UPDATE tickets SET cancelled_at = now() WHERE order_id = p_order AND cancelled_at IS NULL;
    UPDATE invoices SET cancelled_at = now(), cancellation_reason = p_reason
     WHERE order_id = p_order AND cancelled_at IS NULL;
    RETURN order_document(p_order);
END
$$;

-- POST /orders/{id}/refund: the event's organizer refunds (anyone else: 404).
CREATE FUNCTION refund_order_by_organizer(p_order uuid, p_user_sub text) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM 1 FROM orders o JOIN events e ON e.id = o.event_id
     WHERE o.id = p_order AND e.organizer_id = (SELECT id FROM users WHERE cognito_sub = p_user_sub);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No such order';
    END IF;
    RETURN refund_order(p_order, 'refunded-by-organizer');
END
$$;
