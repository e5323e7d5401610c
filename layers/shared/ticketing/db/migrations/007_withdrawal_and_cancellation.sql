-- The buyer's right of withdrawal (CDC art. 49) and the cancellation of a whole event. Both refund through
-- refund_order (005), the one place that says what a refund is.

-- An e-mail to the buyer of an order, sent by the outbox publisher; `{name}` in the text becomes the buyer's name.
CREATE FUNCTION queue_order_email(p_order uuid, p_purpose text, p_subject text, p_text text) RETURNS void
    LANGUAGE sql
AS $$
    INSERT INTO outbox (kind, aggregate_id, payload)
    SELECT 'email', o.id,
           jsonb_build_object('purpose', p_purpose, 'to', u.email, 'subject', p_subject,
                              'text', replace(p_text, '{name}', COALESCE(u.name, 'cliente')))
      FROM orders o JOIN users u ON u.id = o.user_id
     WHERE o.id = p_order
$$;

CREATE FUNCTION brl(p_cents bigint) RETURNS text
    LANGUAGE sql IMMUTABLE
    RETURN 'R$ ' || replace(to_char(p_cents / 100, 'FM999G999G990'), ',', '.') || ','
           || lpad((p_cents % 100)::text, 2, '0');

-- POST /orders/{id}/withdrawal by its buyer: within 7 days of payment and at least 48 h before the event,
-- everything is refunded, the service fee included (CDC art. 49; see docs/DECISIONS.md).
CREATE FUNCTION withdraw_order(p_order uuid, p_user_sub text) RETURNS jsonb
    LANGUAGE plpgsql
AS $$
DECLARE
    v_order orders%ROWTYPE;
    v_event events%ROWTYPE;
    v_doc jsonb;
BEGIN
    SELECT o.* INTO v_order FROM orders o JOIN users u ON u.id = o.user_id
     WHERE o.id = p_order AND u.cognito_sub = p_user_sub
       FOR UPDATE OF o;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No such order';
    END IF;
    IF v_order.status <> 'paid' THEN
        RAISE EXCEPTION 'invalid-state' USING DETAIL = 'Only a paid order can be withdrawn from';
    END IF;
    SELECT * INTO v_event FROM events WHERE id = v_order.event_id;
    IF now() > v_order.paid_at + interval '7 days' THEN
        RAISE EXCEPTION 'invalid-state'
            USING DETAIL = 'The right of withdrawal lasts 7 days from payment; that period has passed';
    END IF;
    IF v_event.starts_at - now() < interval '48 hours' THEN
        RAISE EXCEPTION 'invalid-state'
            USING DETAIL = 'Withdrawal closes 48 hours before the event starts';
    END IF;
    v_doc := refund_order(p_order, 'withdrawal');
    PERFORM queue_order_email(
        p_order, 'withdrawal',
        format('Seu pedido para %s foi cancelado', v_event.name),
        'Olá, {name}.' || E'\n\n' || format(
            'Seu pedido %s para %s foi cancelado a seu pedido (direito de arrependimento). '
            'Devolvemos %s, taxa de conveniência incluída, pelo mesmo meio de pagamento.',
            p_order, v_event.name, brl(v_order.total_cents)));
    RETURN v_doc;
END
$$;

-- An event's cancellation: `paid_orders` is how many orders were paid when it was cancelled (the total of
-- refund_progress); no order can become paid afterwards (payments and late approvals are refused).
CREATE TABLE event_cancellations (
    event_id     uuid PRIMARY KEY REFERENCES events (id),
    requested_at timestamptz NOT NULL DEFAULT now(),
    paid_orders  int NOT NULL,
    finished_at  timestamptz
);

-- PATCH /events/{id} {status: cancelled} by its organizer: from this statement on, no hold or payment is
-- accepted; refunds happen in the background (refund_cancelled_events). Cancelling twice changes nothing.
CREATE FUNCTION cancel_event(p_event uuid, p_user_sub text) RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    v_event events%ROWTYPE;
BEGIN
    SELECT * INTO v_event FROM events
     WHERE id = p_event AND organizer_id = (SELECT id FROM users WHERE cognito_sub = p_user_sub)
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not-found' USING DETAIL = 'No such event';
    END IF;
    IF v_event.status = 'cancelled' THEN
        RETURN;
    END IF;
    UPDATE events SET status = 'cancelled', updated_at = now() WHERE id = p_event;
    INSERT INTO event_cancellations (event_id, paid_orders)
    SELECT p_event, count(*) FROM orders WHERE event_id = p_event AND status = 'paid';
END
$$;

-- One batch of the background work of cancelled events: paid orders are refunded (and their buyers
-- e-mailed), live holds are released. Each order is taken once: its status changes in the same
-- transaction, and rows another worker holds are skipped. A crash loses nothing: the batch rolls back and
-- the next run takes those orders again.
CREATE FUNCTION refund_cancelled_events(p_limit int)
    RETURNS TABLE (order_id uuid, refunded boolean)
    LANGUAGE plpgsql
AS $$
DECLARE
    v_row record;
BEGIN
    FOR v_row IN
        SELECT o.id, o.status, o.total_cents, e.name AS event_name
          FROM orders o JOIN events e ON e.id = o.event_id
         WHERE e.status = 'cancelled' AND o.status IN ('paid', 'reserved', 'awaiting_payment')
         ORDER BY o.id
         LIMIT p_limit
           FOR UPDATE OF o SKIP LOCKED
    LOOP
        order_id := v_row.id;
        IF v_row.status = 'paid' THEN
            PERFORM refund_order(v_row.id, 'event-cancelled');
            PERFORM queue_order_email(
                v_row.id, 'event-cancelled',
                format('%s foi cancelado', v_row.event_name),
                'Olá, {name}.' || E'\n\n' || format(
                    'O evento %s foi cancelado pelo organizador. Seu pedido %s foi cancelado e devolvemos '
                    '%s, taxa de conveniência incluída, pelo mesmo meio de pagamento.',
                    v_row.event_name, v_row.id, brl(v_row.total_cents)));
            refunded := true;
        ELSE
            PERFORM release_orders(ARRAY[v_row.id], 'cancelled');
            refunded := false;
        END IF;
        RETURN NEXT;
    END LOOP;
    UPDATE event_cancellations c SET finished_at = now()
     WHERE c.finished_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM orders o
                        WHERE o.event_id = c.event_id AND o.status IN ('paid', 'reserved', 'awaiting_payment'));
END
$$;

-- refund_progress of a cancelled event: {refunded, total}.
CREATE FUNCTION refund_progress(p_event uuid) RETURNS jsonb
    LANGUAGE sql STABLE
AS $$
    SELECT jsonb_build_object(
               'refunded', c.paid_orders - (SELECT count(*) FROM orders WHERE event_id = p_event AND status = 'paid'),
               'total', c.paid_orders,
               'finished_at', iso_utc(c.finished_at))
      FROM event_cancellations c
     WHERE c.event_id = p_event
$$;
