-- An order becomes paid, and its paid-order message is queued in the same transaction (once per order).
CREATE OR REPLACE FUNCTION mark_order_paid(p_order uuid) RETURNS void
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
