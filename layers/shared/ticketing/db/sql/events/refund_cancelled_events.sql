-- One batch of the background work of cancelled events: paid orders are refunded (and their buyers
-- e-mailed), live holds are released, and money that arrived after the cancellation (refund_due, issue 14)
-- goes back with the other refunds. Each order is taken once: its status changes in the same
-- transaction, and rows another worker holds are skipped. A crash loses nothing: the batch rolls back and
-- the next run takes those orders again.
CREATE OR REPLACE FUNCTION refund_cancelled_events(p_limit int)
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
    FOR v_row IN
        SELECT y.id, y.order_id
          FROM payments y JOIN orders o ON o.id = y.order_id JOIN events e ON e.id = o.event_id
         WHERE e.status = 'cancelled' AND y.status = 'refund_due'
           -- PIX money is already on its way back as a devolution (refunded once DEVOLVIDO)
           AND NOT EXISTS (SELECT 1 FROM pix_devolutions d WHERE d.payment_id = y.id)
         ORDER BY y.id
         LIMIT p_limit
           FOR UPDATE OF o, y SKIP LOCKED
    LOOP
        UPDATE payments SET status = 'refunded', refunded_at = now(), updated_at = now() WHERE id = v_row.id;
        order_id := v_row.order_id;
        refunded := true;
        RETURN NEXT;
    END LOOP;
    UPDATE event_cancellations c SET finished_at = now()
     WHERE c.finished_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM orders o
                        WHERE o.event_id = c.event_id AND o.status IN ('paid', 'reserved', 'awaiting_payment'))
       -- and no money of it is still to give back
       AND NOT EXISTS (SELECT 1 FROM orders o JOIN payments y ON y.order_id = o.id
                        WHERE o.event_id = c.event_id AND y.status = 'refund_due');
END
$$;
